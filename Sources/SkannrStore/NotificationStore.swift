// All SQL of notification channels and the delivery log on the API side, scoped by the account id
// (first parameter). Channel creation locks the user row (TargetStore.lockedPlan) so the plan's
// channel limit holds under concurrent creates. Test sends and redeliveries go through the outbox
// like any event, so the worker is the only sender.
import Foundation
import MariaDB
import SkannrCore

public struct NotificationStore {
    public let connection: Connection
    public let billingGraceDays: Int

    public init(connection: Connection, billingGraceDays: Int = 7) {
        self.connection = connection
        self.billingGraceDays = billingGraceDays
    }

    public func channels(accountID: Int64) throws -> [ChannelRecord] {
        try connection.query("SELECT \(ChannelRecord.columns) FROM notification_channels WHERE user_id = ? ORDER BY id",
                             [.int(accountID)]).map { try ChannelRecord(row: $0) }
    }

    public func channel(accountID: Int64, id: Int64) throws -> ChannelRecord? {
        try connection.queryOne("SELECT \(ChannelRecord.columns) FROM notification_channels WHERE user_id = ? AND id = ?",
                                [.int(accountID), .int(id)]).map { try ChannelRecord(row: $0) }
    }

    /// Inserts a channel; `check(plan, existingChannels)` runs with the user row locked and throws to refuse.
    public func create(accountID: Int64, _ channel: NewChannel, secret: String?, now: Date,
                       check: (Plan, Int) throws -> Void) throws -> ChannelRecord {
        try connection.transaction { db in
            let plan = try TargetStore(connection: db, billingGraceDays: billingGraceDays).lockedPlan(accountID: accountID, now: now)
            let count = try db.queryOne("SELECT COUNT(*) AS n FROM notification_channels WHERE user_id = ?", [.int(accountID)])?.int("n") ?? 0
            try check(plan, Int(count))
            let id = Int64(try db.execute("""
                INSERT INTO notification_channels (user_id, type, url, email, secret, min_severity, events, enabled, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?)
                """, [.int(accountID), .text(channel.type.rawValue), SQLValue(channel.url), SQLValue(channel.email), SQLValue(secret),
                      .text(channel.minSeverity.rawValue), .text(ChannelRules.encodeEvents(channel.events)), .date(now)]).lastInsertID)
            guard let created = try self.channel(accountID: accountID, id: id) else {
                throw MariaDBError.client("inserted channel \(id) not found")
            }
            return created
        }
    }

    /// nil when the channel is not the account's. Re-enabling clears the failure streak.
    public func update(accountID: Int64, id: Int64, _ patch: ChannelPatch) throws -> ChannelRecord? {
        var sets: [String] = []
        var params: [SQLValue] = []
        if let minSeverity = patch.minSeverity { sets.append("min_severity = ?"); params.append(.text(minSeverity.rawValue)) }
        if let events = patch.events { sets.append("events = ?"); params.append(.text(ChannelRules.encodeEvents(events))) }
        if let enabled = patch.enabled {
            sets.append("enabled = ?"); params.append(SQLValue(enabled))
            if enabled { sets.append("failing_since = NULL") }
        }
        if !sets.isEmpty {
            try connection.execute("UPDATE notification_channels SET \(sets.joined(separator: ", ")) WHERE user_id = ? AND id = ?",
                                   params + [.int(accountID), .int(id)])
        }
        return try channel(accountID: accountID, id: id)
    }

    /// Deletes the channel and (cascade) its deliveries; false when it is not the account's.
    public func delete(accountID: Int64, id: Int64) throws -> Bool {
        try connection.execute("DELETE FROM notification_channels WHERE user_id = ? AND id = ?", [.int(accountID), .int(id)]).affectedRows > 0
    }

    struct TestData: Encodable { let message: String; let channelID: Int64
        enum CodingKeys: String, CodingKey { case message, channelID = "channel_id" } }

    /// Queues a `test` event for one channel (behind the channel's older events); false when it is not the account's.
    public func sendTest(accountID: Int64, channelID: Int64, now: Date) throws -> Bool {
        try connection.transaction { db in
            guard try db.queryOne("SELECT id FROM notification_channels WHERE user_id = ? AND id = ? FOR UPDATE",
                                  [.int(accountID), .int(channelID)]) != nil else { return false }
            let data = TestData(message: "This is a test notification from Skannr.", channelID: channelID)
            try NotificationOutbox.enqueue(event: .test, data: data, accountID: accountID, onlyChannel: channelID, db, now: now)
            return true
        }
    }

    /// Newest first, keyset paginated on (user_id, id).
    public func deliveries(accountID: Int64, filter: DeliveryFilter, limit: Int, after: Int64?) throws -> Page<DeliveryRecord> {
        var sql = "SELECT \(DeliveryRecord.columns) FROM notification_deliveries FORCE INDEX (notification_deliveries_user) WHERE user_id = ?"
        var params: [SQLValue] = [.int(accountID)]
        if let channelID = filter.channelID { sql += " AND channel_id = ?"; params.append(.int(channelID)) }
        if let status = filter.status { sql += " AND status = ?"; params.append(.text(status.rawValue)) }
        sql += " AND id < ? ORDER BY id DESC LIMIT ?"
        params += [.int(after ?? Int64.max), .int(Int64(limit + 1))]
        let rows = try connection.query(sql, params)
        let records = try rows.prefix(limit).map(DeliveryRecord.init(row:))
        return Page(items: records, nextCursor: rows.count > limit ? records.last.map { Cursor.encode(id: $0.id) } : nil)
    }

    /// Sends the delivery's event again as a new delivery at the end of its channel's queue: same
    /// event id and body, so the receiver can tell it is the same event. nil when not the account's.
    public func redeliver(accountID: Int64, id: Int64, now: Date) throws -> DeliveryRecord? {
        try connection.transaction { db in
            guard let original = try db.queryOne(
                "SELECT channel_id FROM notification_deliveries WHERE user_id = ? AND id = ?", [.int(accountID), .int(id)]) else { return nil }
            // Same lock order as the outbox: the channel first, then the insert.
            _ = try db.queryOne("SELECT id FROM notification_channels WHERE id = ? FOR UPDATE", [.int(try original.int("channel_id"))])
            let newID = Int64(try db.execute("""
                INSERT INTO notification_deliveries (user_id, channel_id, event_id, event, payload, status, next_attempt_at, created_at)
                SELECT user_id, channel_id, event_id, event, payload, 'pending', ?, ? FROM notification_deliveries WHERE id = ?
                """, [.date(now), .date(now), .int(id)]).lastInsertID)
            return try db.queryOne("SELECT \(DeliveryRecord.columns) FROM notification_deliveries WHERE id = ?", [.int(newID)])
                .map(DeliveryRecord.init(row:))
        }
    }
}
