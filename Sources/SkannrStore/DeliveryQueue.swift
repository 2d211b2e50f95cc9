// skannr-notifier's side of the outbox: claim, record, release. Safe with many workers on many
// hosts: a claim is one short transaction that takes, per channel, only the oldest pending
// delivery (its "head") with FOR UPDATE SKIP LOCKED and a lease, plus the due deliveries right
// behind it; a channel whose head is leased, backing off or locked is skipped whole, so one
// channel's events never overtake each other. Lease and retry times are the DATABASE's clock.
// Traps: a pending row that was a head stays the head until it leaves `pending` (new rows get
// larger ids), which is why a head list read without locks is safe to lock afterwards. Every
// outcome write is fenced on lease_owner: a worker whose lease was taken over writes nothing.
import Foundation
import MariaDB
import SkannrCore

public struct ClaimedDelivery: Sendable, Equatable {
    public let id: Int64
    public let eventID: String
    public let event: String
    public let payload: String
    /// Attempts before this one.
    public let attempts: Int
    public let channel: ChannelRecord
}

public struct DeliveryQueue {
    let connection: Connection
    public let owner: String
    public let leaseSeconds: Int
    /// Channels per claim, and deliveries per channel.
    public let channelsPerClaim: Int
    public let perChannel: Int
    /// Channel heads one claim looks at (the due ones, oldest first).
    let headsPerClaim: Int

    public init(connection: Connection, owner: String, leaseSeconds: Int, channelsPerClaim: Int = 20, perChannel: Int = 20,
                headsPerClaim: Int = 1000) {
        self.connection = connection
        self.owner = owner
        self.leaseSeconds = leaseSeconds
        self.channelsPerClaim = channelsPerClaim
        self.perChannel = perChannel
        self.headsPerClaim = headsPerClaim
    }

    /// A queue on a new connection (one per notifier thread).
    public init(config: DatabaseConfig, owner: String, leaseSeconds: Int, channelsPerClaim: Int = 20, perChannel: Int = 20) throws {
        self.init(connection: try Connection(config: config), owner: owner, leaseSeconds: leaseSeconds,
                  channelsPerClaim: channelsPerClaim, perChannel: perChannel)
    }

    /// Runs `body` in one transaction on the queue's connection, never re-run on a deadlock (the
    /// body sends: running it again would send again).
    public func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction(retryOnDeadlock: false) { _ in try body() }
    }

    static let free = "next_attempt_at <= NOW(6) AND (lease_expires_at IS NULL OR lease_expires_at < NOW(6))"
    /// Each enabled channel's oldest pending delivery, if it is due and not leased. Due-ness is checked
    /// before the LIMIT: heads of failing channels backing off for hours must not fill the window
    /// and starve every healthy channel.
    static let headsSQL = """
        SELECT h.head FROM (SELECT channel_id, MIN(id) AS head FROM notification_deliveries WHERE status = 'pending' GROUP BY channel_id) h
        JOIN notification_channels c ON c.id = h.channel_id JOIN notification_deliveries d ON d.id = h.head
        WHERE c.enabled AND d.next_attempt_at <= NOW(6) AND (d.lease_expires_at IS NULL OR d.lease_expires_at < NOW(6))
        ORDER BY d.next_attempt_at, h.head LIMIT ?
        """

    /// Claims work: per channel a run of deliveries in id order (the first is the channel's head).
    public func claim() throws -> [[ClaimedDelivery]] {
        try connection.transaction { db -> [[ClaimedDelivery]] in
            let heads = try db.query(Self.headsSQL, [.int(Int64(headsPerClaim))]).map { try $0.int("head") }
            guard !heads.isEmpty else { return [] }
            let locked = try db.query("""
                SELECT id, channel_id FROM notification_deliveries WHERE id IN (\(Self.marks(heads.count))) AND status = 'pending' AND \(Self.free)
                ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED
                """, heads.map { .int($0) } + [.int(Int64(channelsPerClaim))])
            var claimed: [Int64] = []
            for row in locked {
                let head = try row.int("id")
                claimed.append(head)
                guard perChannel > 1 else { continue }
                let followers = try db.query("""
                    SELECT id, next_attempt_at <= NOW(6) AND (lease_expires_at IS NULL OR lease_expires_at < NOW(6)) AS free
                    FROM notification_deliveries WHERE channel_id = ? AND status = 'pending' AND id > ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED
                    """, [.int(try row.int("channel_id")), .int(head), .int(Int64(perChannel - 1))])
                for follower in followers {
                    guard try follower.bool("free") else { break }
                    claimed.append(try follower.int("id"))
                }
            }
            guard !claimed.isEmpty else { return [] }
            try db.execute("""
                UPDATE notification_deliveries SET lease_owner = ?, lease_expires_at = DATE_ADD(NOW(6), INTERVAL ? SECOND)
                WHERE id IN (\(Self.marks(claimed.count)))
                """, [.text(owner), .int(Int64(leaseSeconds))] + claimed.map { .int($0) })
            let rows = try db.query("""
                SELECT d.id AS delivery_id, d.event_id, d.event, d.payload, d.attempts, c.secret, \(Self.channelColumns)
                FROM notification_deliveries d JOIN notification_channels c ON c.id = d.channel_id
                WHERE d.id IN (\(Self.marks(claimed.count))) ORDER BY d.channel_id, d.id
                """, claimed.map { .int($0) })
            var groups: [[ClaimedDelivery]] = []
            for row in rows {
                let delivery = ClaimedDelivery(
                    id: try row.int("delivery_id"), eventID: try row.string("event_id"), event: try row.string("event"),
                    payload: try row.string("payload"), attempts: Int(try row.int("attempts")),
                    channel: try ChannelRecord(row: row, secret: try row.optionalString("secret")))
                if groups.last?.first?.channel.id == delivery.channel.id { groups[groups.count - 1].append(delivery) } else { groups.append([delivery]) }
            }
            return groups
        }
    }

    static let channelColumns = ChannelRecord.columns.split(separator: ",")
        .map { "c.\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }.joined(separator: ", ")

    static func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// A 2xx was seen: delivered for good. False when the lease had been lost (nothing written).
    /// The channel's status is written by `channelOutcome`, once per run.
    @discardableResult
    public func delivered(_ delivery: ClaimedDelivery, statusCode: Int?) throws -> Bool {
        try connection.execute("""
            UPDATE notification_deliveries SET status = 'delivered', attempts = attempts + 1, last_status_code = ?, last_error = NULL,
                next_attempt_at = NULL, delivered_at = NOW(6), lease_owner = NULL, lease_expires_at = NULL
            WHERE id = ? AND lease_owner = ? AND status = 'pending'
            """, [SQLValue(statusCode), .int(delivery.id), .text(owner)]).affectedRows > 0
    }

    public enum FailureOutcome: Sendable, Equatable {
        case retry(afterSeconds: Int)
        case failed
        /// The lease had been taken over; nothing was written.
        case leaseLost
    }

    /// A failed attempt: retried after the schedule's delay, or failed for good after the last one.
    public func failed(_ delivery: ClaimedDelivery, statusCode: Int?, error: String, schedule: RetrySchedule) throws -> FailureOutcome {
        let delay = schedule.delay(afterAttempts: delivery.attempts + 1)
        let written = try connection.execute("""
            UPDATE notification_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?, last_error = ?,
                next_attempt_at = IF(? IS NULL, NULL, DATE_ADD(NOW(6), INTERVAL ? SECOND)), lease_owner = NULL, lease_expires_at = NULL
            WHERE id = ? AND lease_owner = ? AND status = 'pending'
            """, [.text(delay == nil ? "failed" : "pending"), SQLValue(statusCode), .text(String(error.prefix(500))),
                  SQLValue(delay), .int(Int64(delay ?? 0)), .int(delivery.id), .text(owner)]).affectedRows > 0
        guard written else { return .leaseLost }
        return delay.map { .retry(afterSeconds: $0) } ?? .failed
    }

    /// The channel's status after a run: delivered (the failure streak ends) or failing (the streak
    /// starts if it had not). True when this failure made the channel fail longer than
    /// `disableAfterSeconds`: it is now disabled. Outside the run's transaction: the outbox locks
    /// channel rows, and a scan write-back must not wait for a run's sends.
    public func channelOutcome(channelID: Int64, delivered: Bool, disableAfterSeconds: Int) throws -> Bool {
        if delivered {
            try connection.execute("""
                UPDATE notification_channels SET last_delivery_at = NOW(6), last_status = 'delivered', failing_since = NULL WHERE id = ?
                """, [.int(channelID)])
            return false
        }
        try connection.execute("""
            UPDATE notification_channels SET last_status = 'failing', failing_since = COALESCE(failing_since, NOW(6)) WHERE id = ?
            """, [.int(channelID)])
        return try connection.execute("""
            UPDATE notification_channels SET enabled = FALSE WHERE id = ? AND enabled AND failing_since <= DATE_SUB(NOW(6), INTERVAL ? SECOND)
            """, [.int(channelID), .int(Int64(disableAfterSeconds))]).affectedRows > 0
    }

    /// Gives claimed but unsent deliveries back at once (their next_attempt_at is unchanged).
    public func release(_ deliveries: [ClaimedDelivery]) throws {
        guard !deliveries.isEmpty else { return }
        try connection.execute("""
            UPDATE notification_deliveries SET lease_owner = NULL, lease_expires_at = NULL
            WHERE lease_owner = ? AND id IN (\(Self.marks(deliveries.count)))
            """, [.text(owner)] + deliveries.map { .int($0.id) })
    }

    /// The account's owner, to be told that a channel was disabled.
    public func ownerEmail(accountID: Int64) throws -> String? {
        try connection.queryOne("SELECT email FROM users WHERE id = ?", [.int(accountID)])?.string("email")
    }

    /// "label (address)" or the address, for messages people read; nil when the target is gone.
    public func targetName(accountID: Int64, targetID: Int64) throws -> String? {
        guard let row = try connection.queryOne("SELECT address, label FROM targets WHERE user_id = ? AND id = ?",
                                                [.int(accountID), .int(targetID)]) else { return nil }
        let address = try row.string("address")
        return try row.optionalString("label").map { "\($0) (\(address))" } ?? address
    }

    /// For /metrics: pending deliveries and the age of the oldest one (0 when none).
    public static func gauges(_ connection: Connection) throws -> (pending: Int64, oldestSeconds: Double) {
        guard let row = try connection.queryOne("""
            SELECT COUNT(*) AS n, COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(6)), 0) AS age
            FROM notification_deliveries WHERE status = 'pending'
            """) else { return (0, 0) }
        return (try row.int("n"), Double(try row.int("age")) / 1_000_000)
    }
}
