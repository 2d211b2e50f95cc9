// The stores of one MariaDB connection, for callers that must not see MariaDB (SkannrAPI's use
// cases and controllers): each store by name, a transaction whose body gets the stores of the
// transaction, a liveness ping, and database failures told apart without MariaDB's types.
// Trap: a `Stores` is one connection; it is not thread-safe (one per responder worker).
import Foundation
import MariaDB
import SkannrCore

public struct Stores {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// The stores of a new connection (a responder worker opens one, lazily).
    public init(config: DatabaseConfig) throws { connection = try Connection(config: config) }

    public var users: UserStore { UserStore(connection: connection) }
    public var refreshTokens: RefreshTokenStore { RefreshTokenStore(connection: connection) }
    public var loginThrottle: LoginThrottleStore { LoginThrottleStore(connection: connection) }
    public var apiKeys: APIKeyStore { APIKeyStore(connection: connection) }
    public var alerts: AlertStore { AlertStore(connection: connection) }
    public var results: ScanResultStore { ScanResultStore(connection: connection) }
    public var progress: ProgressReads { ProgressReads(connection: connection) }
    public var rateLimits: RateLimitStore { RateLimitStore(connection: connection) }
    public var billing: BillingStore { BillingStore(connection) }

    public func targets(billingGraceDays: Int = 7) -> TargetStore { TargetStore(connection: connection, billingGraceDays: billingGraceDays) }
    public func scans(plans: PlanCatalog = .defaults, billingGraceDays: Int = 7) -> ScanStore {
        ScanStore(connection: connection, plans: plans, billingGraceDays: billingGraceDays)
    }
    public func notifications(billingGraceDays: Int = 7) -> NotificationStore {
        NotificationStore(connection: connection, billingGraceDays: billingGraceDays)
    }

    /// `body` inside one transaction (committed when it returns, rolled back when it throws;
    /// re-run once on a deadlock, as Connection.transaction does).
    @discardableResult
    public func transaction<T>(_ body: (Stores) throws -> T) throws -> T {
        try connection.transaction { tx in try body(Stores(connection: tx)) }
    }

    /// Whether the database answers a trivial query.
    public func ping() -> Bool { (try? connection.query("SELECT 1")) != nil }

    // MARK: reads that are free functions over a connection

    public func queueGauges() throws -> QueueGauges { try OperationsStore.queueGauges(connection) }
    public func outboxGauges() throws -> (pending: Int64, oldestSeconds: Double) { try DeliveryQueue.gauges(connection) }
    public func scanSnapshot(scanID: Int64) throws -> ScanSnapshot { try ScanSnapshotStore.snapshot(scanID: scanID, connection) }
    public func previousCompletedScan(accountID: Int64, targetID: Int64, before scanID: Int64) throws -> Int64? {
        try ScanSnapshotStore.previousCompleted(accountID: accountID, targetID: targetID, before: scanID, connection)
    }
    /// XP and achievements of a first target (call inside the transaction that creates it).
    public func awardTargetCreated(accountID: Int64, now: Date) throws {
        try ProgressStore.targetCreated(connection: connection, accountID: accountID, now: now)
    }
}

/// A database failure as callers outside the store act on it.
public enum DatabaseFailure: Sendable, Equatable {
    /// The connection was refused or lost: retry shortly.
    case connectionLost
    /// A deadlock (the transaction was rolled back): it may be re-run.
    case deadlock
    /// A lock-wait timeout (the statement was rolled back).
    case lockTimeout
    /// A unique key refused the write.
    case duplicateKey
    /// Anything else MariaDB reported.
    case other

    /// nil when `error` is not a database error at all.
    public init?(_ error: any Error) {
        guard let database = error as? MariaDBError else { return nil }
        if database.isConnectionLost { self = .connectionLost }
        else if database.code == 1213 { self = .deadlock }
        else if database.isDeadlockOrLockTimeout { self = .lockTimeout }
        else if database.isDuplicateKey { self = .duplicateKey }
        else { self = .other }
    }

    /// MariaDB's code and message for a log line (nil for other errors).
    public static func logDescription(of error: any Error) -> String? { (error as? MariaDBError)?.description }
}
