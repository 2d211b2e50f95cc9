// The transactional outbox: called INSIDE the transaction that writes an alert (the scan-runner's
// write-back, the API's resolve), it writes one pending delivery per enabled channel of the
// account that wants the event. Nothing is sent here; skannr-notifier sends after the commit, so a
// rolled-back alert is never announced and a committed one is never lost.
// Trap: the account's channel rows are locked (FOR UPDATE) before the insert, so the deliveries
// of one channel are committed in id order — the worker's "oldest pending first" is creation order.
import Foundation
import MariaDB
import SkannrCore

public enum NotificationOutbox {
    /// The webhook body of an event, fixed at creation: the same bytes on every attempt.
    struct Envelope<Data: Encodable>: Encodable {
        let id: String
        let type: String
        let createdAt: Date
        let data: Data

        enum CodingKeys: String, CodingKey { case id, type, createdAt = "created_at", data }
    }

    struct AlertData: Encodable { let alert: AlertRecord }

    /// alert.opened / alert.resolved for each of the alerts as they are now in this transaction (one
    /// write-back raises many: the account's channels are locked and read once); returns the number
    /// of deliveries written.
    @discardableResult
    public static func enqueue(alertIDs: [Int64], accountID: Int64, event: NotificationEvent, _ db: Connection, now: Date) throws -> Int {
        guard !alertIDs.isEmpty else { return 0 }
        let channels = try lockedChannels(accountID: accountID, db)
        guard !channels.isEmpty else { return 0 }
        var written = 0
        for chunk in stride(from: 0, to: alertIDs.count, by: 500).map({ alertIDs[$0..<min($0 + 500, alertIDs.count)] }) {
            let alerts = try db.query("""
                SELECT \(AlertRecord.columns) FROM alerts WHERE user_id = ? AND id IN (\(DeliveryQueue.marks(chunk.count))) ORDER BY id
                """, [.int(accountID)] + chunk.map { .int($0) }).map(AlertRecord.init(row:))
            written += try enqueue(alerts, channels: channels, event: event, accountID: accountID, db, now: now)
        }
        return written
    }

    /// One delivery per channel that wants each alert's event.
    private static func enqueue(_ alerts: [AlertRecord], channels: [Subscription], event: NotificationEvent, accountID: Int64,
                                _ db: Connection, now: Date) throws -> Int {
        var written = 0
        for alert in alerts {
            let wanted = channels.filter {
                ChannelRules.wants(event: event, severity: alert.severity, minSeverity: $0.minSeverity, subscribed: $0.events)
            }
            written += try insert(event: event, data: AlertData(alert: alert), channels: wanted.map(\.id), accountID: accountID, db, now: now)
        }
        return written
    }

    /// Any other event (scan.failed, test) with its `data` object, to the given channels or to every
    /// subscribed channel of the account.
    @discardableResult
    public static func enqueue(event: NotificationEvent, data: some Encodable, accountID: Int64, onlyChannel: Int64? = nil,
                               _ db: Connection, now: Date) throws -> Int {
        let channels: [Int64]
        if let onlyChannel {
            channels = [onlyChannel]
        } else {
            channels = try lockedChannels(accountID: accountID, db).filter { $0.events.contains(event) }.map(\.id)
        }
        return try insert(event: event, data: data, channels: channels, accountID: accountID, db, now: now)
    }

    struct FailedScan: Encodable {
        let id: Int64, targetID: Int64, status: String, error: String?, finishedAt: Date?
        enum CodingKeys: String, CodingKey { case id, status, error, targetID = "target_id", finishedAt = "finished_at" }
    }
    struct ScanData: Encodable { let scan: FailedScan }

    /// scan.failed for a scan this transaction just ended `failed` (the runner's fail and give-up paths).
    @discardableResult
    public static func enqueueScanFailed(scanID: Int64, _ db: Connection, now: Date) throws -> Int {
        guard let row = try db.queryOne("SELECT user_id, target_id, status, error, finished_at FROM scans WHERE id = ?", [.int(scanID)]) else { return 0 }
        let scan = FailedScan(id: scanID, targetID: try row.int("target_id"), status: try row.string("status"),
                              error: try row.optionalString("error"), finishedAt: try row.optionalDate("finished_at"))
        return try enqueue(event: .scanFailed, data: ScanData(scan: scan), accountID: try row.int("user_id"), db, now: now)
    }

    struct Subscription { let id: Int64; let minSeverity: Severity; let events: Set<NotificationEvent> }

    static func lockedChannels(accountID: Int64, _ db: Connection) throws -> [Subscription] {
        try db.query("""
            SELECT id, min_severity, events FROM notification_channels WHERE user_id = ? AND enabled ORDER BY id FOR UPDATE
            """, [.int(accountID)]).map { row in
            Subscription(id: try row.int("id"), minSeverity: Severity(rawValue: try row.string("min_severity")) ?? .low,
                         events: ChannelRules.decodeEvents(try row.string("events")))
        }
    }

    static func payload(eventID: String, event: NotificationEvent, data: some Encodable, now: Date) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(Envelope(id: eventID, type: event.rawValue, createdAt: now, data: data))
        return String(decoding: body, as: UTF8.self)
    }

    private static func insert(event: NotificationEvent, data: some Encodable, channels: [Int64], accountID: Int64,
                               _ db: Connection, now: Date) throws -> Int {
        guard !channels.isEmpty else { return 0 }
        let eventID = NotificationEvent.newID()
        let body = try payload(eventID: eventID, event: event, data: data, now: now)
        let sql = "INSERT INTO notification_deliveries (user_id, channel_id, event_id, event, payload, status, next_attempt_at, created_at) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, 'pending', ?, ?)", count: channels.count).joined(separator: ", ")
        let params = channels.flatMap { channel -> [SQLValue] in
            [.int(accountID), .int(channel), .text(eventID), .text(event.rawValue), .text(body), .date(now), .date(now)]
        }
        return Int(try db.execute(sql, params).affectedRows)
    }
}
