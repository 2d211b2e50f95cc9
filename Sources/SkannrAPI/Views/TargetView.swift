// The contract's Target object. Encoded by hand so that absent values are written as null (the
// synthesized Encodable would drop them); keys are already snake_case.
import Foundation
import SkannrStore

struct TargetView: JSONWritable {
    let record: TargetRecord

    enum Key: String, CodingKey {
        case id, address, type, label, ports, enabled
        case expectedPorts = "expected_ports"
        case scanProfile = "scan_profile", intervalMinutes = "interval_minutes", createdAt = "created_at"
        case updatedAt = "updated_at", lastScanID = "last_scan_id", lastScanAt = "last_scan_at", nextScanAt = "next_scan_at"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.address, forKey: .address)
        try c.encode(record.type, forKey: .type)
        try c.encode(record.label, forKey: .label)
        try c.encode(record.scanProfile.rawValue, forKey: .scanProfile)
        try c.encode(record.ports, forKey: .ports)
        try c.encode(record.expectedPorts, forKey: .expectedPorts)
        try c.encode(record.intervalMinutes, forKey: .intervalMinutes)
        try c.encode(record.enabled, forKey: .enabled)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.updatedAt, forKey: .updatedAt)
        try c.encode(record.lastScanID, forKey: .lastScanID)
        try c.encode(record.lastScanAt, forKey: .lastScanAt)
        try c.encode(record.nextScanAt, forKey: .nextScanAt)
    }

    /// The same members in the same order as encode(to:), through JSONWriter (the hot path).
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.int(record.id)
        w.key("address"); w.string(record.address)
        w.key("type"); w.string(record.type)
        w.key("label"); w.string(record.label)
        w.key("scan_profile"); w.string(record.scanProfile.rawValue)
        w.key("ports"); w.string(record.ports)
        w.key("expected_ports"); w.string(record.expectedPorts)
        w.key("interval_minutes"); w.int(record.intervalMinutes)
        w.key("enabled"); w.bool(record.enabled)
        w.key("created_at"); w.date(record.createdAt)
        w.key("updated_at"); w.date(record.updatedAt)
        w.key("last_scan_id"); w.int(record.lastScanID)
        w.key("last_scan_at"); w.date(record.lastScanAt)
        w.key("next_scan_at"); w.date(record.nextScanAt)
        w.endObject()
    }
}

/// `{"items": [...], "next_cursor": "…" | null}`
struct ListView<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    enum Key: String, CodingKey { case items, nextCursor = "next_cursor" }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

extension ListView: JSONWritable where Item: JSONWritable {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("items")
        w.beginArray()
        for item in items { w.value(item) }
        w.endArray()
        w.key("next_cursor"); w.string(nextCursor)
        w.endObject()
    }
}
