// A connection killed by the server is replaced: reads retry once, transactions fail and recover.
import MariaDB
import Testing
import TestSupport

@Suite("Reconnect after a lost connection", .needsDatabase)
struct ReconnectTests {
    let db: Connection
    let killer: Connection

    init() throws {
        let config = try TestDatabase.freshDatabase(named: "reconnect")
        db = try Connection(config: config)
        killer = try Connection(config: config)
        try db.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
    }

    func killSession() throws {
        let id = try #require(try db.queryOne("SELECT CONNECTION_ID() AS id")?.int("id"))
        try killer.execute("KILL CONNECTION \(id)")
    }

    @Test("the next read after KILL succeeds on a new session")
    func readAfterKill() throws {
        let before = try db.queryOne("SELECT CONNECTION_ID() AS id")?.int("id")
        try killSession()
        let after = try db.queryOne("SELECT CONNECTION_ID() AS id")?.int("id")
        #expect(after != nil)
        #expect(after != before)
        #expect(try db.queryOne("SELECT @@session.time_zone AS tz")?.string("tz") == "+00:00")
    }

    @Test("a write after KILL is never applied twice, and the connection recovers")
    func writeAfterKill() throws {
        try killSession()
        do {
            try db.execute("INSERT INTO t VALUES (1)")
        } catch {
            #expect(error.isConnectionLost)
        }
        try db.execute("INSERT INTO t VALUES (2)")
        let ids = try db.query("SELECT id FROM t ORDER BY id").map { try $0.int("id") }
        #expect(ids == [1, 2] || ids == [2])
    }

    @Test("a connection killed inside a transaction makes it throw, and the next call reconnects")
    func killInsideTransaction() throws {
        let error = #expect(throws: MariaDBError.self) {
            try db.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (10)")
                try killSession()
                try tx.execute("INSERT INTO t VALUES (11)")
            }
        }
        #expect(error?.isConnectionLost == true)
        #expect(!db.isInTransaction)
        #expect(try db.query("SELECT id FROM t").isEmpty)
        try db.transaction { tx in try tx.execute("INSERT INTO t VALUES (12)") }
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM t")?.int("n") == 1)
    }

    @Test("ping reports a killed session healthy again after reconnecting")
    func pingReconnects() throws {
        #expect(db.ping())
        try killSession()
        #expect(db.ping())
        #expect(try db.queryOne("SELECT 1 AS one")?.int("one") == 1)
    }

    @Test("after a loss inside a transaction, later calls in the same body fail instead of autocommitting")
    func noAutocommitAfterLoss() throws {
        var laterError: MariaDBError?
        #expect(throws: MariaDBError.self) {
            try db.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (20)")
                try killSession()
                _ = try? tx.execute("INSERT INTO t VALUES (21)")
                do { try tx.execute("INSERT INTO t VALUES (22)") } catch let error as MariaDBError { laterError = error }
                throw laterError ?? MariaDBError.client("the insert after the loss succeeded")
            }
        }
        #expect(laterError?.isConnectionLost == true)
        #expect(try db.query("SELECT id FROM t").isEmpty)
    }

    @Test("a stream whose connection was killed before the first row is retried")
    func streamRetry() throws {
        try killSession()
        var rows = 0
        try db.forEachRow("SELECT 1 AS one UNION ALL SELECT 2", []) { _ in rows += 1 }
        #expect(rows == 2)
    }
}
