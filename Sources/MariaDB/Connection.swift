// A MariaDB connection: prepared statements cached by SQL text, typed rows, reconnect after a lost
// connection. NOT Sendable: one per thread/process. See Connection+Retry for what is retried.
public final class Connection {
    public let config: MariaDBConfig
    var handle: ConnectionHandle?
    var statements: [String: PreparedStatement] = [:]
    var transactionDepth = 0
    /// The connection died inside the current transaction: every call fails until it unwinds.
    var transactionBroken = false
    var lastUsed = ContinuousClock.now

    /// Statements cached per connection; past this the cache is emptied (dynamic SQL would grow it).
    static let statementCacheLimit = 256
    /// A write on a connection idle longer than this pings first, so a server restart costs no failure.
    static let idlePingInterval = Duration.seconds(10)

    /// Connects: utf8mb4, time_zone '+00:00', strict sql_mode. Throws isConnectionLost if the server is down.
    public init(config: MariaDBConfig) throws(MariaDBError) {
        self.config = config
        handle = try ConnectionHandle(config: config)
    }

    public var isInTransaction: Bool { transactionDepth > 0 }

    /// All rows, read in one go (buffered).
    public func query(_ sql: String, _ params: [SQLValue] = []) throws(MariaDBError) -> [Row] {
        try withStatement(sql) { statement throws(MariaDBError) in
            var rows: [Row] = []
            try statement.fetch(params, buffered: true) { row in
                rows.append(row)
                return true
            }
            return rows
        }
    }

    /// The first row, or nil. Add LIMIT 1 to the SQL when more rows could match.
    public func queryOne(_ sql: String, _ params: [SQLValue] = []) throws(MariaDBError) -> Row? {
        try withStatement(sql) { statement throws(MariaDBError) in
            var first: Row?
            try statement.fetch(params, buffered: true) { row in
                if first == nil { first = row }
                return true
            }
            return first
        }
    }

    /// Streams rows without buffering the result. The connection is busy until it returns: `body` must
    /// not use this connection. A throw from `body` stops the stream and is rethrown.
    public func forEachRow(_ sql: String, _ params: [SQLValue], _ body: (Row) throws -> Void) throws {
        var bodyError: (any Error)?
        var delivered = false
        try withStatement(sql, mayRetry: { !delivered }) { statement throws(MariaDBError) in
            try statement.fetch(params, buffered: false) { row in
                delivered = true
                do {
                    try body(row)
                    return true
                } catch {
                    bodyError = error
                    return false
                }
            }
        }
        if let bodyError { throw bodyError }
    }

    @discardableResult
    public func execute(_ sql: String, _ params: [SQLValue] = []) throws(MariaDBError) -> ExecResult {
        try withStatement(sql) { statement throws(MariaDBError) in try statement.execute(params) }
    }

    /// True when the server answers; outside a transaction a dead connection is replaced first.
    public func ping() -> Bool {
        if let handle, handle.ping() { return true }
        dropHandle()
        if isInTransaction {
            transactionBroken = true
            return false
        }
        return (try? currentHandle()) != nil
    }

    /// The server's id for this session (CONNECTION_ID()), or nil while disconnected.
    public var connectionID: UInt? { handle?.threadID }
}
