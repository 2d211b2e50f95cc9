// The contract's Target object and the list envelope. Each member is listed once, in encode(to:),
// with its contract name; nil is written as null (the synthesized Encodable would drop it).
import Foundation
import SkannrStore

struct TargetView: Encodable {
    let record: TargetRecord

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(record.id, forKey: "id")
        try c.encode(record.address, forKey: "address")
        try c.encode(record.type, forKey: "type")
        try c.encode(record.label, forKey: "label")
        try c.encode(record.scanProfile.rawValue, forKey: "scan_profile")
        try c.encode(record.ports, forKey: "ports")
        try c.encode(record.expectedPorts, forKey: "expected_ports")
        try c.encode(record.intervalMinutes, forKey: "interval_minutes")
        try c.encode(record.enabled, forKey: "enabled")
        try c.encode(record.createdAt, forKey: "created_at")
        try c.encode(record.updatedAt, forKey: "updated_at")
        try c.encode(record.lastScanID, forKey: "last_scan_id")
        try c.encode(record.lastScanAt, forKey: "last_scan_at")
        try c.encode(record.nextScanAt, forKey: "next_scan_at")
    }
}

/// `{"items": [...], "next_cursor": "…" | null}`
struct ListView<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(items, forKey: "items")
        try c.encode(nextCursor, forKey: "next_cursor")
    }
}
