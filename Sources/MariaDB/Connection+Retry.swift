// Statement cache and the reconnect rule. After a lost connection (isConnectionLost) outside a
// transaction: fresh handle, empty cache, and ONE retry if the SQL is a read (SELECT/SHOW/WITH) or the
// error was 2006 (command never sent). Inside a transaction the loss marks it broken; nothing is retried.
// A statement whose result shape changed (2057, after ALTER TABLE) is re-prepared; reads run again.
extension Connection {
    func withStatement<T>(
        _ sql: String, mayRetry: () -> Bool = { true },
        _ operation: (PreparedStatement) throws(MariaDBError) -> T
    ) throws(MariaDBError) -> T {
        if let handle, !isInTransaction, !Self.isRead(sql), ContinuousClock.now - lastUsed > Self.idlePingInterval,
            !handle.ping()
        {
            dropHandle()
        }
        let hadHandle = handle != nil
        defer { lastUsed = ContinuousClock.now }
        do {
            return try operation(try statement(for: sql))
        } catch {
            if error.code == 2057 { return try reprepare(sql, after: error, mayRetry: mayRetry, operation) }
            guard error.isConnectionLost else { throw error }
            dropHandle()
            if isInTransaction {
                transactionBroken = true
                throw error
            }
            // A connect that just failed is not retried: the server is down, fail fast (-> 503).
            guard hadHandle, Self.isRead(sql) || error.code == 2006 || Self.isTransactionControl(sql),
                mayRetry()
            else { throw error }
            return try operation(try statement(for: sql))
        }
    }

    /// CR_NEW_STMT_METADATA: the table changed shape since the statement was prepared (ALTER TABLE).
    /// Evict it; a read runs again on a fresh statement, anything else reports the error once.
    private func reprepare<T>(
        _ sql: String, after error: MariaDBError, mayRetry: () -> Bool,
        _ operation: (PreparedStatement) throws(MariaDBError) -> T
    ) throws(MariaDBError) -> T {
        statements[sql] = nil
        guard Self.isRead(sql), mayRetry() else { throw error }
        return try operation(try statement(for: sql))
    }

    func statement(for sql: String) throws(MariaDBError) -> PreparedStatement {
        if let cached = statements[sql] { return cached }
        let statement = try PreparedStatement(handle: try currentHandle(), sql: sql)
        if statements.count >= Self.statementCacheLimit { statements.removeAll() }
        statements[sql] = statement
        return statement
    }

    /// The live handle, connecting anew if the last one was lost.
    func currentHandle() throws(MariaDBError) -> ConnectionHandle {
        if let handle { return handle }
        if transactionBroken { throw MariaDBError.lostInTransaction }
        let fresh = try ConnectionHandle(config: config)
        handle = fresh
        return fresh
    }

    /// Forgets the connection: statements first (they reference the handle), then the handle.
    func dropHandle() {
        statements.removeAll()
        handle = nil
    }

    static func isRead(_ sql: String) -> Bool {
        let head = firstWord(sql)
        return head == "SELECT" || head == "SHOW" || head == "WITH"
    }

    /// START TRANSACTION / BEGIN change nothing when they fail, so they are always safe to retry.
    static func isTransactionControl(_ sql: String) -> Bool {
        let head = firstWord(sql)
        return head == "START" || head == "BEGIN"
    }

    private static func firstWord(_ sql: String) -> String {
        let trimmed = sql.drop { $0.isWhitespace || $0 == "(" }
        return String(trimmed.prefix { $0.isLetter }).uppercased()
    }
}
