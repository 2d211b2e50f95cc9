// SQLValue, Row and date conversion behaviour that needs no server.
import Foundation
import MariaDB
import Testing

@Suite("Values without a server")
struct ValueTests {
    @Test("dates print as UTC with microseconds, across leap days and before 1970")
    func dates() {
        #expect(SQLValue.date(Date(timeIntervalSince1970: 1_709_251_199.999999)).description == "2024-02-29T23:59:59.999999Z")
        #expect(SQLValue.date(Date(timeIntervalSince1970: 0)).description == "1970-01-01T00:00:00.000000Z")
        #expect(SQLValue.date(Date(timeIntervalSince1970: -0.000001)).description == "1969-12-31T23:59:59.999999Z")
        #expect(SQLValue.date(Date(timeIntervalSince1970: 951_782_400)).description == "2000-02-29T00:00:00.000000Z")
        #expect(SQLValue.date(Date(timeIntervalSince1970: -2_208_988_800)).description == "1900-01-01T00:00:00.000000Z")
    }

    @Test("literals and optional initialisers build the expected cases")
    func literals() {
        let values: [SQLValue] = [nil, 5, 2.5, "text", true, SQLValue(Optional<String>.none), SQLValue(Int?(3))]
        #expect(values == [.null, .int(5), .double(2.5), .text("text"), .int(1), .null, .int(3)])
    }

    @Test("a hand-made Row answers typed reads and reports mismatches")
    func handMadeRow() throws {
        let row = Row(columns: ["id", "name", "price"], values: [.uint(7), .text("x"), .text("9.50")])
        #expect(try row.int("id") == 7)
        #expect(try row.double("price") == 9.5)
        #expect(row[1] == .text("x"))
        #expect(row[9] == .null)
        let error = #expect(throws: MariaDBError.self) { try row.bool("name") }
        #expect(error?.code == 0)
        #expect(error?.description.contains("'name'") == true)
    }

    @Test("error classification follows the server's codes")
    func classification() {
        #expect(MariaDBError(code: 2006, message: "").isConnectionLost)
        #expect(MariaDBError(code: 2013, message: "").isConnectionLost)
        #expect(!MariaDBError(code: 1062, message: "").isConnectionLost)
        #expect(MariaDBError(code: 1205, message: "").isDeadlockOrLockTimeout)
        #expect(MariaDBError(code: 1452, message: "").isForeignKeyViolation)
        #expect(MariaDBError(code: 4025, message: "").isCheckViolation)
    }
}
