// The contract's Alert object (nulls written out), in the store so that the API's answers and the
// notification payloads written by the outbox (scan-runner and API) are one encoding.
import Foundation
import SkannrCore

extension AlertRecord: JSONObject {
    @inlinable public func members<Out: JSONMembers>(_ out: inout Out) throws {   // specialised for the API's writer
        try out.member("id", id)
        try out.member("target_id", targetID)
        try out.member("scan_id", scanID)
        try out.member("type", type)
        try out.member("severity", severity.rawValue)
        try out.member("host", host)
        try out.member("port", port)
        try out.member("title", title)
        try out.member("details", detailsJSON)
        try out.member("status", status.rawValue)
        try out.member("created_at", createdAt)
        try out.member("acknowledged_at", acknowledgedAt)
        try out.member("resolved_at", resolvedAt)
        try out.member("accepted_at", acceptedAt)
        try out.member("note", acceptNote)
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
        self.detailsJSON = RawJSONObject(details)
        self.status = status
        self.createdAt = createdAt
        self.acknowledgedAt = acknowledgedAt
        self.resolvedAt = resolvedAt
        self.acceptedAt = acceptedAt
        self.acceptNote = acceptNote
    }
}
