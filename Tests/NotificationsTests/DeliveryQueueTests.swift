// The outbox and the claim protocol against a real database (a fresh migrated one per suite):
// deliveries written with the alert and rolled back with it, one holder per channel across
// workers, heads blocking their channel while leased or backing off, backoff on the database clock,
// fenced outcomes, and channels disabled after failing too long.
import Foundation
import MariaDB
import ScanRunner
import SkannrCore
@testable import SkannrStore
import Testing
import TestSupport

@Suite("Delivery queue", .serialized, .needsDatabase)
final class DeliveryQueueTests {
    let config: MariaDBConfig
    let db: Connection
    let account: Int64
    let alertIDs: [Int64]

    init() throws {
        config = try TestDatabase.migratedDatabase(named: "notify")
        db = try Connection(config: config)
        let now = Date()
        account = Int64(try db.execute("INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ('n', 'n@example.com', 'x', ?, ?)",
                                       [.date(now), .date(now)]).lastInsertID)
        let target = Int64(try db.execute("""
            INSERT INTO targets (user_id, address, address_type, address_count, scan_profile, enabled, created_at, updated_at)
            VALUES (?, '203.0.113.10', 'ip', 1, 'standard', TRUE, ?, ?)
            """, [.int(account), .date(now), .date(now)]).lastInsertID)
        let scan = Int64(try db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, hosts_done, progress, created_at) VALUES (?, ?, 'completed', 'manual', '203.0.113.10', 'ip', 'standard', '22', 1, 1, 1, 100, ?)
            """, [.int(account), .int(target), .date(now)]).lastInsertID)
        var ids: [Int64] = []
        for (n, severity) in ["low", "high", "critical"].enumerated() {
            ids.append(Int64(try db.execute("""
                INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
                VALUES (?, ?, ?, 'new_port', ?, '203.0.113.10', ?, 'New open port', '{}', 'open', ?, ?)
                """, [.int(account), .int(target), .int(scan), .text(severity), .int(Int64(20 + n)), .text("k\(n)"), .date(now)]).lastInsertID))
        }
        alertIDs = ids
    }

    deinit { try? TestDatabase.drop(config) }

    func channel(minSeverity: Severity = .low, events: String = "alert.opened", enabled: Bool = true) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO notification_channels (user_id, type, url, secret, min_severity, events, enabled, created_at)
            VALUES (?, 'webhook', 'https://hooks.example.com/x', 'whsec_t', ?, ?, ?, ?)
            """, [.int(account), .text(minSeverity.rawValue), .text(events), SQLValue(enabled), .date(Date())]).lastInsertID)
    }

    func enqueue(_ alert: Int64) throws -> Int {
        try db.transaction { tx in try NotificationOutbox.enqueue(alertIDs: [alert], accountID: account, event: .alertOpened, tx, now: Date()) }
    }

    func queue(_ owner: String, perChannel: Int = 20) throws -> DeliveryQueue {
        DeliveryQueue(connection: try Connection(config: config), owner: owner, leaseSeconds: 30, perChannel: perChannel)
    }

    @Test("the outbox writes one delivery per enabled channel that wants the event, one event id for all, and none after a rollback")
    func outbox() throws {
        let all = try channel(), high = try channel(minSeverity: .high)
        _ = try channel(enabled: false)
        _ = try channel(events: "alert.resolved")
        #expect(try enqueue(alertIDs[0]) == 1)         // low: only the low-threshold channel
        #expect(try enqueue(alertIDs[1]) == 2)
        let rows = try db.query("SELECT channel_id, event_id, payload FROM notification_deliveries ORDER BY id")
        #expect(try rows.map { try $0.int("channel_id") } == [all, all, high])
        #expect(try rows[1].string("event_id") == rows[2].string("event_id"))
        #expect(try rows[0].string("event_id") != rows[1].string("event_id"))
        let payload = try JSONSerialization.jsonObject(with: Data(rows[1].string("payload").utf8)) as? [String: Any]
        let alert = (payload?["data"] as? [String: Any])?["alert"] as? [String: Any]
        #expect(payload?["type"] as? String == "alert.opened" && (alert?["id"] as? NSNumber)?.int64Value == alertIDs[1])
        struct Abort: Error {}
        _ = try? db.transaction { tx -> Int in
            _ = try NotificationOutbox.enqueue(alertIDs: [alertIDs[2]], accountID: account, event: .alertOpened, tx, now: Date())
            throw Abort()
        }
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM notification_deliveries")?.int("n") == 3)
    }

    @Test("two workers never hold one channel at once, and each channel's run starts at its oldest delivery")
    func oneHolderPerChannel() throws {
        let a = try channel(), b = try channel()
        for alert in alertIDs { _ = try enqueue(alert) }
        let first = try queue("w1").claim(), second = try queue("w2").claim()
        let firstChannels = Set(first.map { $0[0].channel.id }), secondChannels = Set(second.map { $0[0].channel.id })
        #expect(firstChannels == [a, b] && secondChannels.isEmpty)     // w1 took both heads (and their followers)
        #expect(first.allSatisfy { run in run.map(\.id) == run.map(\.id).sorted() && run.count == 3 })
    }

    @Test("channels backing off do not starve a due one: the heads a claim looks at are the due heads")
    func waitingHeadsDoNotStarve() throws {
        let failing = [try channel(), try channel()]
        for alert in alertIDs { _ = try enqueue(alert) }
        try db.execute("UPDATE notification_deliveries SET next_attempt_at = NOW(6) + INTERVAL 12 HOUR")   // both back off
        let healthy = try channel()
        _ = try enqueue(alertIDs[1])   // the newest head, due now
        let worker = DeliveryQueue(connection: try Connection(config: config), owner: "w1", leaseSeconds: 30, headsPerClaim: 2)
        let runs = try worker.claim()
        #expect(runs.map { $0[0].channel.id } == [healthy], "the two older heads are not due: \(failing)")
    }

    @Test("behind a failed head the channel waits; after the last attempt the head is failed and the next one goes")
    func headBlocksUntilFailed() throws {
        let c = try channel()
        for alert in alertIDs { _ = try enqueue(alert) }
        let worker = try queue("w1", perChannel: 1)
        let schedule = RetrySchedule(delays: [60])
        let head = try #require(try worker.claim().first?.first)
        #expect(try worker.failed(head, statusCode: 500, error: "HTTP 500", schedule: schedule) == .retry(afterSeconds: 60))
        #expect(try !worker.channelOutcome(channelID: c, delivered: false, disableAfterSeconds: 86400))
        #expect(try worker.claim().isEmpty)                               // the head backs off; its followers wait
        let next = try #require(try db.queryOne("SELECT next_attempt_at > NOW(6) + INTERVAL 50 SECOND AS later FROM notification_deliveries WHERE id = ?", [.int(head.id)]))
        #expect(try next.bool("later"))
        try db.execute("UPDATE notification_deliveries SET next_attempt_at = NOW(6) WHERE id = ?", [.int(head.id)])
        let again = try #require(try worker.claim().first?.first)
        #expect(again.id == head.id && again.attempts == 1)
        #expect(try worker.failed(again, statusCode: nil, error: "refused", schedule: schedule) == .failed)
        let after = try #require(try worker.claim().first?.first)
        #expect(after.id > head.id && after.channel.id == c)
        #expect(try worker.delivered(after, statusCode: 204))
        #expect(try !worker.channelOutcome(channelID: c, delivered: true, disableAfterSeconds: 86400))
        let status = try db.queryOne("SELECT last_status, failing_since FROM notification_channels WHERE id = ?", [.int(c)])
        #expect(try status?.optionalString("last_status") == "delivered" && status?.optionalDate("failing_since") == nil)
    }

    @Test("an outcome from a worker whose lease was taken over writes nothing")
    func lostLeaseWritesNothing() throws {
        _ = try channel()
        _ = try enqueue(alertIDs[2])
        let slow = try queue("slow")
        let claimed = try #require(try slow.claim().first?.first)
        try db.execute("UPDATE notification_deliveries SET lease_expires_at = NOW(6) - INTERVAL 1 SECOND")
        let taken = try #require(try queue("fast").claim().first?.first)
        #expect(taken.id == claimed.id)
        #expect(try !slow.delivered(claimed, statusCode: 200))
        #expect(try slow.failed(claimed, statusCode: 500, error: "x", schedule: .standard) == .leaseLost)
        #expect(try db.queryOne("SELECT status, attempts FROM notification_deliveries")?.int("attempts") == 0)
    }

    @Test("a channel failing for longer than the limit is disabled and no longer claimed")
    func disabledAfterFailingTooLong() throws {
        let c = try channel()
        for alert in alertIDs { _ = try enqueue(alert) }
        try db.execute("UPDATE notification_channels SET failing_since = NOW(6) - INTERVAL 4 DAY, last_status = 'failing' WHERE id = ?", [.int(c)])
        let worker = try queue("w1", perChannel: 1)
        let head = try #require(try worker.claim().first?.first)
        #expect(try worker.failed(head, statusCode: 503, error: "HTTP 503", schedule: RetrySchedule(delays: [1])) == .retry(afterSeconds: 1))
        #expect(try worker.channelOutcome(channelID: c, delivered: false, disableAfterSeconds: 3 * 86400))
        #expect(try db.queryOne("SELECT enabled FROM notification_channels WHERE id = ?", [.int(c)])?.bool("enabled") == false)
        try db.execute("UPDATE notification_deliveries SET next_attempt_at = NOW(6) - INTERVAL 1 SECOND")
        #expect(try worker.claim().isEmpty)
        #expect(try worker.ownerEmail(accountID: account) == "n@example.com")
    }

    @Test("a scan the runner gives up on writes scan.failed, in the same transaction, to channels subscribed to it")
    func scanFailed() throws {
        let subscribed = try channel(events: "scan.failed"), _ = try channel()
        let scan = Int64(try db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, hosts_done, progress, attempts, created_at)
            SELECT user_id, target_id, 'pending', 'manual', address, address_type, scan_profile, ports, 1, 1, 0, 0, 3, ? FROM scans LIMIT 1
            """, [.date(Date())]).lastInsertID)
        let outcome = try ScanClaimer(scannerID: "t", leaseDuration: .seconds(30), maxAttempts: 3).claim(ScanLifecycleStore(connection: db))
        #expect(outcome == .gaveUp(scanID: scan, attempts: 3))
        let rows = try db.query("SELECT channel_id, event, payload FROM notification_deliveries")
        let channelID = try rows.first?.int("channel_id"), event = try rows.first?.string("event")
        #expect(rows.count == 1 && channelID == subscribed && event == "scan.failed")
        let payload = try JSONSerialization.jsonObject(with: Data(try #require(rows.first).string("payload").utf8)) as? [String: Any]
        let sent = (payload?["data"] as? [String: Any])?["scan"] as? [String: Any]
        #expect((sent?["id"] as? NSNumber)?.int64Value == scan && sent?["status"] as? String == "failed")
        #expect((sent?["error"] as? String)?.contains("gave up") == true)
    }
}

