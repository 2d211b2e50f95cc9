// Values written through prepared statements come back identical (real MariaDB).
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Round-trips through prepared statements", .needsDatabase)
struct RoundTripTests {
    let db: Connection

    init() throws {
        db = try Connection(config: TestDatabase.freshDatabase(named: "roundtrip"))
        try db.execute("""
            CREATE TABLE t (
                id INT AUTO_INCREMENT PRIMARY KEY, s LONGTEXT NULL, v VARCHAR(20) NULL, b LONGBLOB NULL,
                i BIGINT NULL, u BIGINT UNSIGNED NULL, d DATETIME(6) NULL, j JSON NULL,
                m DECIMAL(12,4) NULL, f DOUBLE NULL, flag BOOLEAN NULL
            ) ENGINE=InnoDB
            """)
    }

    func roundTrip(_ column: String, _ value: SQLValue) throws -> SQLValue {
        let result = try db.execute("INSERT INTO t (\(column)) VALUES (?)", [value])
        let row = try #require(try db.queryOne("SELECT \(column) FROM t WHERE id = ?", [.uint(result.lastInsertID)]))
        return row[column]
    }

    @Test("NULL reads back as NULL in every column type")
    func nulls() throws {
        for column in ["s", "v", "b", "i", "u", "d", "j", "m", "f", "flag"] {
            #expect(try roundTrip(column, .null) == .null)
        }
    }

    @Test("4-byte UTF-8 (emoji), accents and CJK survive")
    func emoji() throws {
        let text = "scan 🛰️🔥 ✓ Grüße 漢字 𝄞"
        #expect(try roundTrip("s", .text(text)) == .text(text))
        #expect(try roundTrip("v", .text("🔥🔥🔥")) == .text("🔥🔥🔥"))
    }

    @Test("strings containing 0 bytes keep every byte")
    func zeroBytes() throws {
        let text = "a\u{0}b\u{0}\u{0}c"
        #expect(try roundTrip("s", .text(text)) == .text(text))
        let bytes: [UInt8] = [0, 1, 0, 255, 0]
        #expect(try roundTrip("b", .blob(bytes)) == .blob(bytes))
    }

    @Test("empty and 64 KiB strings and a 1 MiB blob round-trip")
    func sizes() throws {
        #expect(try roundTrip("s", .text("")) == .text(""))
        #expect(try roundTrip("b", .blob([])) == .blob([]))
        let big = String(repeating: "x🔥y", count: 65_536 / 6 + 1)
        #expect(big.utf8.count >= 65_536)
        #expect(try roundTrip("s", .text(big)) == .text(big))
        let blob = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try roundTrip("b", .blob(blob)) == .blob(blob))
    }

    @Test("BIGINT extremes, signed and unsigned")
    func bigints() throws {
        #expect(try roundTrip("i", .int(.min)) == .int(.min))
        #expect(try roundTrip("i", .int(.max)) == .int(.max))
        #expect(try roundTrip("u", .uint(.max)) == .uint(.max))
        #expect(try roundTrip("u", .uint(0)) == .int(0))
        let row = try #require(try db.queryOne("SELECT CAST(? AS UNSIGNED) AS big", [.uint(.max)]))
        #expect(try row.uint("big") == .max)
        #expect(throws: MariaDBError.self) { try row.int("big") }
    }

    @Test("DATETIME(6) keeps microseconds and is UTC")
    func datetimes() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        #expect(try roundTrip("d", .date(date)) == .date(date))
        let row = try #require(try db.queryOne(
            "SELECT DATE_FORMAT(?, '%Y-%m-%d %H:%i:%s.%f') AS text", [.date(date)]))
        #expect(try row.string("text") == "2023-11-14 22:13:20.123456")
        let old = Date(timeIntervalSince1970: -1_000_000_000.5)  // 1938, before the epoch
        #expect(try roundTrip("d", .date(old)) == .date(old))
        let fromServer = try #require(try db.queryOne("SELECT CAST('2024-02-29 23:59:59.999999' AS DATETIME(6)) AS d"))
        #expect(try fromServer.date("d") == Date(timeIntervalSince1970: 1_709_251_199.999999))
    }

    @Test("JSON, DECIMAL, DOUBLE and BOOLEAN read with the typed accessors")
    func otherTypes() throws {
        #expect(try roundTrip("j", .text(#"{"ports": [22, 443], "ok": true}"#)) == .text(#"{"ports": [22, 443], "ok": true}"#))
        let json = try #require(try db.queryOne("SELECT JSON_OBJECT('k', 'ü🔥') AS j"))
        #expect(try json.string("j") == #"{"k": "ü🔥"}"#)
        #expect(try roundTrip("m", .text("12345678.1234")) == .text("12345678.1234"))
        try db.execute("INSERT INTO t (m, f, flag) VALUES (?, ?, ?)", [.double(2.5), 0.1, true])
        let row = try #require(try db.queryOne("SELECT m, f, flag FROM t WHERE m = 2.5"))
        #expect(try row.double("m") == 2.5)
        #expect(try row.double("f") == 0.1)
        #expect(try row.bool("flag"))
    }

    @Test("typed accessors reject NULL, missing columns and wrong types with the column's name")
    func accessorErrors() throws {
        let row = try #require(try db.queryOne("SELECT NULL AS n, 'abc' AS s, 7 AS i"))
        #expect(try row.optionalInt("n") == nil)
        #expect(try row.optionalString("n") == nil)
        #expect(try row.int("i") == 7)
        #expect(row.columns == ["n", "s", "i"])
        let missing = #expect(throws: MariaDBError.self) { try row.string("nope") }
        #expect(missing?.message.contains("nope") == true)
        let null = #expect(throws: MariaDBError.self) { try row.int("n") }
        #expect(null?.message.contains("NULL") == true)
        let mismatch = #expect(throws: MariaDBError.self) { try row.date("s") }
        #expect(mismatch?.message.contains("'s'") == true)
        #expect(row["nope"] == .null)
    }

    @Test("a wrong number of parameters is refused before reaching the server")
    func parameterCount() throws {
        let error = #expect(throws: MariaDBError.self) { try db.query("SELECT ? + ?", [1]) }
        #expect(error?.code == 0)
        #expect(try db.query("SELECT ? + ? AS sum", [1, 2]).first?.int("sum") == 3)
    }

    @Test("the session runs in UTC with strict SQL mode")
    func session() throws {
        let row = try #require(try db.queryOne("SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode"))
        #expect(try row.string("tz") == "+00:00")
        let mode = try row.string("mode")
        for flag in ["STRICT_ALL_TABLES", "NO_ZERO_DATE", "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION", "ONLY_FULL_GROUP_BY"] {
            #expect(mode.contains(flag))
        }
        #expect(throws: MariaDBError.self) { try db.execute("INSERT INTO t (v) VALUES (?)", [.text(String(repeating: "a", count: 21))]) }
    }

    @Test("DATE and TIMESTAMP columns read as UTC dates")
    func dateAndTimestamp() throws {
        try db.execute("CREATE TABLE times (day DATE NOT NULL, stamp TIMESTAMP(6) NOT NULL)")
        let date = Date(timeIntervalSince1970: 1_700_000_000.654321)
        try db.execute("INSERT INTO times VALUES (?, ?)", [.date(date), .date(date)])
        let row = try #require(try db.queryOne("SELECT day, stamp FROM times"))
        #expect(try row.date("day") == Date(timeIntervalSince1970: 1_699_920_000))
        #expect(try row.date("stamp") == date)
    }

    @Test("a cached statement sees a column added after it was prepared")
    func schemaChange() throws {
        try db.execute("INSERT INTO t (v) VALUES ('x')")
        let before = try #require(try db.queryOne("SELECT * FROM t"))
        try db.execute("ALTER TABLE t ADD COLUMN extra INT NOT NULL DEFAULT 5")
        let after = try #require(try db.queryOne("SELECT * FROM t"))
        #expect(after.columns.count == before.columns.count + 1)
        #expect(try after.int("extra") == 5)
    }
}
