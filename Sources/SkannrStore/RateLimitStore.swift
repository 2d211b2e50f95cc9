// Fixed-window request counters shared by every responder, one round trip per request:
// the upsert stores hits+1 through LAST_INSERT_ID(expr), which the client reads back as the
// statement's insert id. A fresh row (no AUTO_INCREMENT on the table) reports 0, i.e. 1 hit.
// The row lock of the upsert makes concurrent increments exact (no lost updates).
import MariaDB

public struct RateLimitStore {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// Counts one hit in (bucket, windowStart) and returns the hits so far, this one included.
    public func hit(bucket: String, windowStart: Int64) throws(MariaDBError) -> Int {
        let result = try connection.execute("""
            INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES (?, ?, 1)
            ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)
            """, [.text(String(bucket.prefix(100))), .int(windowStart)])
        return result.lastInsertID == 0 ? 1 : Int(clamping: result.lastInsertID)
    }

    /// Deletes windows that started before `windowStart` (old counters are useless).
    @discardableResult
    public func purge(windowsBefore windowStart: Int64) throws(MariaDBError) -> UInt64 {
        try connection.execute("DELETE FROM rate_limit_counters WHERE window_start < ? LIMIT 10000", [.int(windowStart)]).affectedRows
    }
}
