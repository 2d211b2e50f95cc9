// Server errors arrive as MariaDBError with the right code and classification.
import MariaDB
import Testing
import TestSupport

@Suite("Server errors map to MariaDBError", .needsDatabase)
struct ErrorMappingTests {
    let db: Connection

    init() throws {
        db = try Connection(config: TestDatabase.freshDatabase(named: "errors"))
        try db.execute("CREATE TABLE parent (id INT PRIMARY KEY, email VARCHAR(100) UNIQUE, CHECK (id > 0)) ENGINE=InnoDB")
        try db.execute("CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES parent(id)) ENGINE=InnoDB")
    }

    @Test("a duplicate unique value is isDuplicateKey (1062)")
    func duplicate() throws {
        try db.execute("INSERT INTO parent (id, email) VALUES (?, ?)", [1, "a@example.com"])
        let error = #expect(throws: MariaDBError.self) {
            try db.execute("INSERT INTO parent (id, email) VALUES (?, ?)", [2, "a@example.com"])
        }
        #expect(error?.isDuplicateKey == true)
        #expect(error?.code == 1062)
        #expect(error?.sqlState == "23000")
        #expect(error?.isConnectionLost == false)
    }

    @Test("a missing parent row is isForeignKeyViolation and a failed CHECK is isCheckViolation")
    func constraints() throws {
        let fk = #expect(throws: MariaDBError.self) { try db.execute("INSERT INTO child VALUES (1, 99)") }
        #expect(fk?.isForeignKeyViolation == true)
        let check = #expect(throws: MariaDBError.self) { try db.execute("INSERT INTO parent (id) VALUES (-1)") }
        #expect(check?.isCheckViolation == true)
    }

    @Test("a syntax error is reported and the connection stays usable")
    func syntax() throws {
        let error = #expect(throws: MariaDBError.self) { try db.query("SELEKT 1") }
        #expect(error?.code == 1064)
        #expect(try db.queryOne("SELECT 1 AS one")?.int("one") == 1)
    }

    @Test("UPDATE reports matched rows, so an unchanged row still counts")
    func affectedRows() throws {
        try db.execute("INSERT INTO parent (id, email) VALUES (5, 'x@example.com')")
        #expect(try db.execute("UPDATE parent SET email = 'x@example.com' WHERE id = 5").affectedRows == 1)
        #expect(try db.execute("UPDATE parent SET email = 'y@example.com' WHERE id = 6").affectedRows == 0)
    }

    @Test("an unreachable server fails fast with isConnectionLost")
    func serverDown() throws {
        var config = try #require(TestDatabase.config())
        config.unixSocket = "/nonexistent/skannr-test.sock"
        let started = ContinuousClock.now
        let error = #expect(throws: MariaDBError.self) { _ = try Connection(config: config) }
        #expect(error?.isConnectionLost == true)
        #expect(ContinuousClock.now - started < .seconds(3))
    }
}
