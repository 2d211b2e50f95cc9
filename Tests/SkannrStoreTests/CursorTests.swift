// Pagination cursors on the shared Hex/Base64URL: round trips, and every malformed cursor is nil (400).
import SkannrCrypto
import SkannrStore
import Testing

@Suite("Pagination cursors")
struct CursorTests {
    @Test("id and host/port cursors round-trip and have no padding")
    func roundTrips() throws {
        #expect(Cursor.encode(id: 42) == "NDI")
        #expect(Cursor.decodeID(Cursor.encode(id: 9_000_000_001)) == 9_000_000_001)
        let key = Array(0..<16).map(UInt8.init)
        let cursor = Cursor.encode(hostKey: key, port: 443)
        #expect(!cursor.contains("="))
        let decoded = try #require(Cursor.decodeHostPort(cursor))
        #expect(decoded.hostKey == key && decoded.port == 443)
    }

    @Test("malformed cursors are refused", arguments: [
        "", "N", "NDI=", "ND+", "-0", String(repeating: "A", count: 204),
        Base64URL.encode("0"), Base64URL.encode("-1"), Base64URL.encode("042"),
        Base64URL.encode(String(repeating: "AB", count: 16) + ".443"),   // uppercase hex: not our spelling
        Base64URL.encode(String(repeating: "ab", count: 15) + ".443"),   // 15 bytes
        Base64URL.encode(String(repeating: "ab", count: 16) + ".65536"),
        Base64URL.encode(String(repeating: "ab", count: 16) + ".0443"),
    ])
    func malformed(cursor: String) {
        #expect(Cursor.decodeID(cursor) == nil)
        #expect(Cursor.decodeHostPort(cursor) == nil)
    }
}
