// The contract's Alert object with nulls written out; `details` is the stored JSON object as is.
import Foundation
import SkannrCore
import SkannrStore

struct AlertView: Encodable {
    let record: AlertRecord

    enum Key: String, CodingKey {
        case id, type, severity, host, port, title, details, status
        case targetID = "target_id", scanID = "scan_id", createdAt = "created_at"
        case acknowledgedAt = "acknowledged_at", resolvedAt = "resolved_at", acceptedAt = "accepted_at", note
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.targetID, forKey: .targetID)
        try c.encode(record.scanID, forKey: .scanID)
        try c.encode(record.type, forKey: .type)
        try c.encode(record.severity.rawValue, forKey: .severity)
        try c.encode(record.host, forKey: .host)
        try c.encode(record.port, forKey: .port)
        try c.encode(record.title, forKey: .title)
        try c.encode(record.details, forKey: .details)
        try c.encode(record.status.rawValue, forKey: .status)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.acknowledgedAt, forKey: .acknowledgedAt)
        try c.encode(record.resolvedAt, forKey: .resolvedAt)
        try c.encode(record.acceptedAt, forKey: .acceptedAt)
        try c.encode(record.acceptNote, forKey: .note)
    }
}
