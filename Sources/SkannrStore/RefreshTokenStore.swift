// Refresh tokens by SHA-256 hash, in families (one per login). Rotation locks the presented
// token's row (SELECT ... FOR UPDATE) so two concurrent refreshes with one token serialise: the
// first rotates, the second sees it used and revokes the family (reuse detection). A reuse is a
// committed outcome, not a thrown error, so the revocation is not rolled back. Each family carries
// when its login happened (session_started_at): a rotation never sets an expiry past that moment
// plus the absolute session lifetime, so a session used every day still ends.
import Foundation
import MariaDB

public enum RefreshRotation: Sendable, Equatable {
    /// The token was live: it is now used and `newHash` was issued in the same family.
    case rotated(userID: Int64)
    /// Unknown, expired or revoked: nothing changed.
    case invalid
    /// Already used: the whole family is now revoked.
    case reused(userID: Int64)
}

public struct RefreshTokenStore {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// Issues the first token of a new family (a login or registration).
    public func issue(userID: Int64, familyID: [UInt8], tokenHash: [UInt8], now: Date, expiresAt: Date) throws(MariaDBError) {
        try connection.execute("""
            INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, session_started_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [.int(userID), .blob(familyID), .blob(tokenHash), .date(now), .date(now), .date(expiresAt)])
    }

    /// Rotates `oldHash` to `newHash` (same family, new expiry) in one transaction. With
    /// `sessionLifetime`, the new expiry stops at the family's login plus that many seconds, and a
    /// token of a session older than that is invalid.
    public func rotate(oldHash: [UInt8], newHash: [UInt8], now: Date, expiresAt: Date,
                       sessionLifetime: TimeInterval? = nil) throws -> RefreshRotation {
        try connection.transaction { tx in
            guard let row = try tx.queryOne("""
                SELECT id, user_id, family_id, COALESCE(session_started_at, created_at) AS started_at, expires_at, used_at, revoked_at
                FROM refresh_tokens WHERE token_hash = ? FOR UPDATE
                """, [.blob(oldHash)]) else { return .invalid }
            let userID = try row.int("user_id")
            let familyID = try row.blob("family_id")
            if try !row.isNull("revoked_at") { return .invalid }
            if try !row.isNull("used_at") {
                try Self.revokeFamily(tx, familyID: familyID, now: now)
                return .reused(userID: userID)
            }
            guard try row.date("expires_at") > now else { return .invalid }
            let startedAt = try row.date("started_at")
            let sessionEnd = sessionLifetime.map { startedAt.addingTimeInterval($0) } ?? expiresAt
            guard sessionEnd > now else { return .invalid }
            try tx.execute("UPDATE refresh_tokens SET used_at = ? WHERE id = ?", [.date(now), .int(try row.int("id"))])
            try tx.execute("""
                INSERT INTO refresh_tokens (user_id, family_id, token_hash, created_at, session_started_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [.int(userID), .blob(familyID), .blob(newHash), .date(now), .date(startedAt), .date(min(expiresAt, sessionEnd))])
            return .rotated(userID: userID)
        }
    }

    /// Logout: revokes the family of `tokenHash` when it belongs to `userID`; false when there is
    /// no such token for that account (the caller answers the same either way).
    @discardableResult
    public func revokeFamily(userID: Int64, tokenHash: [UInt8], now: Date) throws -> Bool {
        try connection.transaction { tx in
            guard let row = try tx.queryOne("SELECT family_id FROM refresh_tokens WHERE user_id = ? AND token_hash = ?",
                                            [.int(userID), .blob(tokenHash)]) else { return false }
            try Self.revokeFamily(tx, familyID: try row.blob("family_id"), now: now)
            return true
        }
    }

    /// The family (login session) of a token, or nil.
    public func familyID(tokenHash: [UInt8]) throws(MariaDBError) -> [UInt8]? {
        try connection.queryOne("SELECT family_id FROM refresh_tokens WHERE token_hash = ?", [.blob(tokenHash)])?.blob("family_id")
    }

    /// Revokes every live refresh token of `userID` except those of family `keeping` (the caller's
    /// own session, when known); returns how many tokens were revoked.
    @discardableResult
    public func revokeAll(userID: Int64, keeping: [UInt8]? = nil, now: Date) throws(MariaDBError) -> UInt64 {
        guard let keeping else {
            return try connection.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                                          [.date(now), .int(userID)]).affectedRows
        }
        return try connection.execute("""
            UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND family_id <> ?
            """, [.date(now), .int(userID), .blob(keeping)]).affectedRows
    }

    /// Deletes tokens that expired before `cutoff` (housekeeping).
    @discardableResult
    public func purgeExpired(before cutoff: Date) throws(MariaDBError) -> UInt64 {
        try connection.execute("DELETE FROM refresh_tokens WHERE expires_at < ? LIMIT 1000", [.date(cutoff)]).affectedRows
    }

    static func revokeFamily(_ tx: Connection, familyID: [UInt8], now: Date) throws(MariaDBError) {
        try tx.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
                       [.date(now), .blob(familyID)])
    }
}
