// forEachRow streams unbuffered results; stopping early leaves the connection usable.
import MariaDB
import Testing
import TestSupport

@Suite("Streaming rows", .needsDatabase)
struct StreamingTests {
    struct Stop: Error {}
    let db: Connection

    init() throws {
        db = try Connection(config: TestDatabase.freshDatabase(named: "stream"))
        try db.execute("CREATE TABLE t (id INT PRIMARY KEY, note TEXT NOT NULL) ENGINE=InnoDB")
        try db.execute("SET SESSION max_recursive_iterations = 20000")
        try db.execute("""
            INSERT INTO t (id, note)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
            SELECT i, IF(i % 1000 = 0, REPEAT('long🔥', 2000), CONCAT('row ', i)) FROM n
            """)
    }

    @Test("forEachRow streams 10,000 rows in order, long values included")
    func tenThousand() throws {
        var count = 0
        var last: Int64 = 0
        var longOnes = 0
        try db.forEachRow("SELECT id, note FROM t WHERE id > ? ORDER BY id", [0]) { row in
            let id = try row.int("id")
            #expect(id == last + 1)
            last = id
            count += 1
            let note = try row.string("note")
            if id % 1000 == 0 {
                #expect(note == String(repeating: "long🔥", count: 2000))
                longOnes += 1
            } else {
                #expect(note == "row \(id)")
            }
        }
        #expect(count == 10_000)
        #expect(longOnes == 10)
    }

    @Test("an error thrown by the body stops the stream, is rethrown, and the connection still works")
    func stopEarly() throws {
        var seen = 0
        #expect(throws: Stop.self) {
            try db.forEachRow("SELECT id FROM t ORDER BY id", []) { _ in
                seen += 1
                if seen == 5 { throw Stop() }
            }
        }
        #expect(seen == 5)
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM t")?.int("n") == 10_000)
        var again = 0
        try db.forEachRow("SELECT id FROM t ORDER BY id", []) { _ in again += 1 }
        #expect(again == 10_000)
    }
}
