// transaction { } commits, rolls back on any thrown error, and joins when nested.
import MariaDB
import Testing
import TestSupport

@Suite("Transactions", .needsDatabase)
struct TransactionTests {
    struct Boom: Error {}
    let db: Connection

    init() throws {
        db = try Connection(config: TestDatabase.freshDatabase(named: "tx"))
        try db.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
    }

    func count() throws -> Int64 { try db.queryOne("SELECT COUNT(*) AS n FROM t")?.int("n") ?? -1 }

    @Test("a body that returns commits its rows")
    func commit() throws {
        let value = try db.transaction { tx in
            try tx.execute("INSERT INTO t VALUES (1), (2)")
            #expect(tx.isInTransaction)
            return 42
        }
        #expect(value == 42)
        #expect(!db.isInTransaction)
        #expect(try count() == 2)
    }

    @Test("a thrown error rolls everything back and is rethrown")
    func rollback() throws {
        #expect(throws: Boom.self) {
            try db.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (1), (2)")
                throw Boom()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try count() == 0)
    }

    @Test("a database error inside the body rolls back the earlier statements")
    func rollbackOnSQLError() throws {
        let error = #expect(throws: MariaDBError.self) {
            try db.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (1)")
                try tx.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(error?.isDuplicateKey == true)
        #expect(try count() == 0)
    }

    @Test("a nested transaction runs inside the outer one and rolls back with it")
    func nested() throws {
        #expect(throws: Boom.self) {
            try db.transaction { outer in
                try outer.execute("INSERT INTO t VALUES (1)")
                try outer.transaction { inner in try inner.execute("INSERT INTO t VALUES (2)") }
                #expect(outer.isInTransaction)
                throw Boom()
            }
        }
        #expect(try count() == 0)
        try db.transaction { outer in
            try outer.transaction { inner in try inner.execute("INSERT INTO t VALUES (3)") }
        }
        #expect(try count() == 1)
    }

    @Test("other connections do not see uncommitted rows")
    func isolation() throws {
        let other = try Connection(config: db.config)
        try db.transaction { tx in
            try tx.execute("INSERT INTO t VALUES (7)")
            #expect(try other.queryOne("SELECT COUNT(*) AS n FROM t")?.int("n") == 0)
        }
        #expect(try other.queryOne("SELECT COUNT(*) AS n FROM t")?.int("n") == 1)
    }

    @Test("a deadlock (1213) re-runs the body once, and only once")
    func deadlockRetry() throws {
        var attempts = 0
        try db.transaction { tx in
            attempts += 1
            try tx.execute("INSERT INTO t VALUES (?)", [.int(Int64(attempts))])
            if attempts == 1 { throw MariaDBError(code: 1213, sqlState: "40001", message: "Deadlock found") }
        }
        #expect(attempts == 2)
        #expect(try db.query("SELECT id FROM t").map { try $0.int("id") } == [2])

        attempts = 0
        let error = #expect(throws: MariaDBError.self) {
            try db.transaction { _ in
                attempts += 1
                throw MariaDBError(code: 1213, sqlState: "40001", message: "Deadlock found")
            }
        }
        #expect(error?.isDeadlockOrLockTimeout == true)
        #expect(attempts == 2)

        attempts = 0
        #expect(throws: MariaDBError.self) {
            try db.transaction(retryOnDeadlock: false) { _ in
                attempts += 1
                throw MariaDBError(code: 1213, sqlState: "40001", message: "Deadlock found")
            }
        }
        #expect(attempts == 1)
    }
}
