// The contract's Target object and the list envelope. Each member is listed once, in members(_:),
// with its contract name; nil is written as null (the synthesized Encodable would drop it).
import Foundation
import SkannrCore
import SkannrStore

struct TargetView: JSONObject {
    let record: TargetRecord

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("id", record.id)
        try out.member("address", record.address)
        try out.member("type", record.type)
        try out.member("label", record.label)
        try out.member("scan_profile", record.scanProfile.rawValue)
        try out.member("ports", record.ports)
        try out.member("expected_ports", record.expectedPorts)
        try out.member("interval_minutes", record.intervalMinutes)
        try out.member("enabled", record.enabled)
        try out.member("created_at", record.createdAt)
        try out.member("updated_at", record.updatedAt)
        try out.member("last_scan_id", record.lastScanID)
        try out.member("last_scan_at", record.lastScanAt)
        try out.member("next_scan_at", record.nextScanAt)
    }
}

/// `{"items": [...], "next_cursor": "…" | null}`
struct ListView<Item: JSONObject>: JSONObject {
    let items: [Item]
    let nextCursor: String?

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("items", objects: items)
        try out.member("next_cursor", nextCursor)
    }
}
