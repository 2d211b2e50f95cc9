// transaction { }: START TRANSACTION, COMMIT, ROLLBACK on any thrown error (then rethrown).
// A nested call joins the outer transaction (no savepoint): an inner error the outer body swallows
// does NOT undo the inner work. A deadlock (1213, InnoDB already rolled back) re-runs the body once.
extension Connection {
    @discardableResult
    public func transaction<T>(retryOnDeadlock: Bool = true, _ body: (Connection) throws -> T) throws -> T {
        if isInTransaction { return try body(self) }
        do {
            return try runTransaction(body)
        } catch let error as MariaDBError where retryOnDeadlock && error.code == 1213 {
            return try runTransaction(body)
        }
    }

    private func runTransaction<T>(_ body: (Connection) throws -> T) throws -> T {
        try execute("START TRANSACTION")
        transactionDepth = 1
        defer {
            transactionDepth = 0
            transactionBroken = false
        }
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            if !transactionBroken, handle != nil { _ = try? execute("ROLLBACK") }
            throw error
        }
    }
}
