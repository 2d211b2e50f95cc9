// Claims one scan in one short transaction, on the DATABASE's clock (NOW(6)) so runners on several
// hosts never compare their own clocks, with FOR UPDATE SKIP LOCKED on indexes that lock only the row
// taken. Order (issue 20): first a running scan whose lease expired (an orphan is taken back before
// new work, so a backlog cannot starve it), then a pending scan of the account with the fewest
// running scans per plan weight (ScanWork.fairOrder; ties: the longest waiting). A runner gives a
// multi-unit scan back after its turn (ScanRunner), so this order is applied again every few
// seconds: a free user's scan waits for one turn, not for a business account's backlog.
// Traps: a scan already claimed maxAttempts times ends `failed` here instead of running again. A
// cancelled scan is never a candidate: the API's cancel moves it out of pending/running at once.
// An account with `maxRunningPerAccount` scans running under a live lease waits; its users row is
// locked while recounting, so two runners cannot both take its last slot.
import Foundation
import MariaDB
import SkannrCore

/// A scan row a runner holds a lease on: what to scan and the lease token that fences every write.
public struct ClaimedScan: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    public let targetID: Int64
    public let address: String
    public let addressType: String
    public let ports: String
    public let portsPerHost: Int
    public let hostsTotal: Int
    /// Claims so far, this one included.
    public let attempts: Int
    /// The first claim's time: the scan's duration budget counts from it, across turns and takeovers.
    public let startedAt: Date
    /// Unique per claim (scanner id + random token): the fence of every later write.
    public let leaseOwner: String

    static let columns = "id, user_id, target_id, address, address_type, ports, ports_per_host, hosts_total, attempts, started_at"

    init(row: Row, leaseOwner: String) throws {
        id = try row.int("id")
        userID = try row.int("user_id")
        targetID = try row.int("target_id")
        address = try row.string("address")
        addressType = try row.string("address_type")
        ports = try row.string("ports")
        portsPerHost = Int(try row.int("ports_per_host"))
        hostsTotal = Int(try row.int("hosts_total"))
        attempts = Int(try row.int("attempts"))
        startedAt = try row.date("started_at")
        self.leaseOwner = leaseOwner
    }
}

/// The claim rule's parameters (a runner's settings).
public struct ScanClaimer: Sendable {
    public let scannerID: String
    public let leaseDuration: Duration
    public let maxAttempts: Int
    public let maxRunningPerAccount: Int

    public init(scannerID: String, leaseDuration: Duration, maxAttempts: Int, maxRunningPerAccount: Int = Int(Int32.max)) {
        self.scannerID = scannerID
        self.leaseDuration = leaseDuration
        self.maxAttempts = maxAttempts
        self.maxRunningPerAccount = max(1, maxRunningPerAccount)
    }

    public enum Outcome: Sendable, Equatable {
        case claimed(ClaimedScan)
        /// The scan had been tried `attempts` times: it is now `failed`.
        case gaveUp(scanID: Int64, attempts: Int)
    }

    /// One claim attempt; nil when there is no work. Gave-up scans are reported so the
    /// caller logs them and polls again at once.
    public func claim(_ store: ScanLifecycleStore, now: Date = Date()) throws -> Outcome? {
        let owner = Self.leaseOwner(scannerID)
        return try store.connection.transaction { db -> Outcome? in
            let candidate = try expiredScan(db) ?? fairPending(db)
            guard let candidate else { return nil }
            let id = try candidate.int("id")
            let attempts = Int(try candidate.int("attempts"))
            if attempts >= maxAttempts {
                try db.execute("""
                    UPDATE scans SET status = 'failed', error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                    WHERE id = ?
                    """, [.text("gave up after \(attempts) attempts"), .date(now), .int(id)])
                try NotificationOutbox.enqueueScanFailed(scanID: id, db, now: now)   // same transaction (issue 18)
                try ScanUnitRows.drop(scanID: id, db)
                return .gaveUp(scanID: id, attempts: attempts)
            }
            try db.execute("""
                UPDATE scans SET status = 'running', lease_owner = ?,
                    lease_expires_at = DATE_ADD(NOW(6), INTERVAL ? MICROSECOND),
                    attempts = attempts + 1, started_at = COALESCE(started_at, ?)
                WHERE id = ?
                """, [.text(owner), .int(leaseDuration.microseconds), .date(now), .int(id)])
            guard let row = try db.queryOne("SELECT \(ClaimedScan.columns) FROM scans WHERE id = ?", [.int(id)]) else {
                return nil
            }
            let claimed = try ClaimedScan(row: row, leaseOwner: owner)
            try db.execute("""
                INSERT INTO account_claims (user_id, last_claimed_at) VALUES (?, NOW(6))
                ON DUPLICATE KEY UPDATE last_claimed_at = NOW(6)
                """, [.int(claimed.userID)])   // the round robin of the fair order
            return .claimed(claimed)
        }
    }

    /// The running scan whose lease expired first, locked by its primary key only: a locking range
    /// read of scans_lease took next-key locks on live scans' index entries, and 50 claimers at once
    /// deadlocked with each other's recount of running scans (innodb's deadlock report showed it).
    private func expiredScan(_ db: Connection) throws -> Row? {
        for row in try db.query("""
            SELECT id FROM scans WHERE status = 'running' AND lease_expires_at < NOW(6) ORDER BY lease_expires_at LIMIT 4
            """) {
            if let locked = try db.queryOne("""
                SELECT id, attempts FROM scans WHERE id = ? AND status = 'running' AND lease_expires_at < NOW(6) FOR UPDATE SKIP LOCKED
                """, [.int(try row.int("id"))]) { return locked }
        }
        return nil
    }

    /// The oldest pending scan of the first account in the fair order that has room (nil: none).
    private func fairPending(_ db: Connection) throws -> Row? {
        var running: [Int64: Int] = [:]
        for row in try db.query("""
            SELECT user_id, COUNT(*) AS n FROM scans WHERE status = 'running' AND lease_expires_at >= NOW(6) GROUP BY user_id
            """) {
            running[try row.int("user_id")] = Int(try row.int("n"))
        }
        let waiting = try db.query("""
            SELECT s.user_id, MIN(s.id) AS oldest, c.last_claimed_at AS served, u.plan FROM scans s JOIN users u ON u.id = s.user_id
            LEFT JOIN account_claims c ON c.user_id = s.user_id
            WHERE s.status = 'pending' GROUP BY s.user_id, u.plan, c.last_claimed_at
            """).map { row in
            let account = try row.int("user_id")
            return ScanWork.Waiting(accountID: account, running: running[account] ?? 0,
                                    weight: ScanWork.claimWeight(Plan(rawValue: try row.string("plan")) ?? .free),
                                    oldestPending: try row.int("oldest"), lastServed: try row.optionalDate("served"))
        }
        // The account row before its scan rows (as the write-back does): claimers of one account queue
        // on it instead of deadlocking on each other's scan-row and index locks.
        let withRoom = ScanWork.fairOrder(waiting).filter { $0.running < maxRunningPerAccount }   // before the prefix: full accounts must not use up the tries
        for account in withRoom.prefix(Self.accountsTried) {
            guard try accountHasRoom(db, userID: account.accountID) else { continue }
            if let pending = try db.queryOne("""
                SELECT id, attempts, user_id FROM scans WHERE user_id = ? AND status = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                """, [.int(account.accountID)]) { return pending }
        }
        return nil
    }

    /// Accounts tried per claim (each is one indexed read): enough for any realistic contention.
    static let accountsTried = 16

    /// Recounts the account's running scans with its users row locked (two runners racing for the
    /// account's last slot serialise here); false when it is full after all.
    private func accountHasRoom(_ db: Connection, userID: Int64) throws -> Bool {
        _ = try db.queryOne("SELECT id FROM users WHERE id = ? FOR UPDATE", [.int(userID)])
        let running = try db.queryOne("""
            SELECT COUNT(*) AS n FROM scans WHERE user_id = ? AND status = 'running' AND lease_expires_at >= NOW(6)
            LOCK IN SHARE MODE
            """, [.int(userID)])?.int("n") ?? 0   // a locking read: the latest committed rows, not this snapshot
        return running < maxRunningPerAccount
    }

    /// "<scanner id>/<random token>", at most 100 characters (the column's size).
    static func leaseOwner(_ scannerID: String) -> String {
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return String(scannerID.prefix(100 - token.count - 1)) + "/" + token
    }
}

extension Duration {
    /// Whole microseconds (the unit of the lease intervals in SQL).
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
