// The contract's Alert object (nulls written out), in the store so that the API's answers and the
// notification payloads written by the outbox (scan-runner and API) are one encoding.
import Foundation
import SkannrCore

extension AlertRecord: Encodable {
    enum ContractKey: String, CodingKey {
        case id, type, severity, host, port, title, details, status
        case targetID = "target_id", scanID = "scan_id", createdAt = "created_at"
        case acknowledgedAt = "acknowledged_at", resolvedAt = "resolved_at", acceptedAt = "accepted_at", note
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: ContractKey.self)
        try c.encode(id, forKey: .id)
        try c.encode(targetID, forKey: .targetID)
        try c.encode(scanID, forKey: .scanID)
        try c.encode(type, forKey: .type)
        try c.encode(severity.rawValue, forKey: .severity)
        try c.encode(host, forKey: .host)
        try c.encode(port, forKey: .port)
        try c.encode(title, forKey: .title)
        try c.encode(details, forKey: .details)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(acknowledgedAt, forKey: .acknowledgedAt)
        try c.encode(resolvedAt, forKey: .resolvedAt)
        try c.encode(acceptedAt, forKey: .acceptedAt)
        try c.encode(acceptNote, forKey: .note)
    }
}

extension AlertRecord {
    /// An alert from its values (views and their tests; the store reads rows with init(row:)).
    public init(id: Int64, targetID: Int64, scanID: Int64, type: String, severity: Severity, host: String, port: Int?, title: String,
                details: [String: JSONValue], status: AlertStatus, createdAt: Date, acknowledgedAt: Date?, resolvedAt: Date?,
                acceptedAt: Date?, acceptNote: String?) {
        self.id = id
        self.targetID = targetID
        self.scanID = scanID
        self.type = type
        self.severity = severity
        self.host = host
        self.port = port
        self.title = title
        self.details = details
        self.status = status
        self.createdAt = createdAt
        self.acknowledgedAt = acknowledgedAt
        self.resolvedAt = resolvedAt
        self.acceptedAt = acceptedAt
        self.acceptNote = acceptNote
    }
}
