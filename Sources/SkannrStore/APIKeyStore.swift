// API keys by keyed hash (api_keys, migration 0020). Creation counts the account's keys under a lock
// of its users row, so two concurrent creates cannot pass the cap together. Revocation deletes the
// row: the lookup every request with a key makes then finds nothing, on every responder at once.
// last_used_at is written at most once a minute per key, so a busy key is not a write per request.
import Foundation
import MariaDB

public struct APIKeyRecord: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    public let name: String
    public let prefix: String
    public let createdAt: Date
    public let expiresAt: Date?
    public let lastUsedAt: Date?
}

/// The account behind a presented key, with its plan (for the rate limit) and the key's own hash.
public struct APIKeyOwner: Sendable, Equatable {
    public let keyID: Int64
    public let userID: Int64
    public let plan: String
    public let keyHash: [UInt8]
    public let expiresAt: Date?
    public let lastUsedAt: Date?

    /// Whether a use now should stamp last_used_at (at most once per lastUsedResolution).
    public func needsUseStamp(now: Date) -> Bool {
        lastUsedAt.map { now.timeIntervalSince($0) >= APIKeyStore.lastUsedResolution } ?? true
    }
}

public enum APIKeyCreation: Sendable, Equatable {
    case created(APIKeyRecord)
    case limitReached
}

public struct APIKeyStore {
    let connection: Connection
    static let columns = "id, user_id, name, prefix, created_at, expires_at, last_used_at"
    /// How stale last_used_at may get before a use writes it again.
    public static let lastUsedResolution: TimeInterval = 60

    public init(connection: Connection) { self.connection = connection }

    public func create(userID: Int64, name: String, prefix: String, keyHash: [UInt8], expiresAt: Date?,
                       maxPerAccount: Int, now: Date) throws -> APIKeyCreation {
        try connection.transaction { tx in
            _ = try tx.queryOne("SELECT id FROM users WHERE id = ? FOR UPDATE", [.int(userID)])
            let count = try tx.queryOne("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?", [.int(userID)])?.int("n") ?? 0
            guard count < maxPerAccount else { return .limitReached }
            let result = try tx.execute("""
                INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, [.int(userID), .text(name), .text(prefix), .blob(keyHash), .date(now), expiresAt.map(SQLValue.date) ?? .null])
            return .created(APIKeyRecord(id: Int64(result.lastInsertID), userID: userID, name: name, prefix: prefix,
                                         createdAt: now, expiresAt: expiresAt, lastUsedAt: nil))
        }
    }

    /// The account's keys, newest first, after `afterID` (keyset pagination).
    public func list(userID: Int64, limit: Int, after afterID: Int64?) throws(MariaDBError) -> [APIKeyRecord] {
        try connection.query("""
            SELECT \(Self.columns) FROM api_keys WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?
            """, [.int(userID), .int(afterID ?? Int64.max), .int(Int64(limit))]).map(Self.record)
    }

    /// Deletes the key when it is the account's; false otherwise (404 either way for another's).
    public func delete(userID: Int64, id: Int64) throws(MariaDBError) -> Bool {
        try connection.execute("DELETE FROM api_keys WHERE id = ? AND user_id = ?", [.int(id), .int(userID)]).affectedRows > 0
    }

    /// The owner of the key with this hash, or nil. Expiry is the caller's check (it answers why).
    public func owner(keyHash: [UInt8]) throws(MariaDBError) -> APIKeyOwner? {
        guard let row = try connection.queryOne("""
            SELECT k.id, k.user_id, u.plan, k.key_hash, k.expires_at, k.last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id
            WHERE k.key_hash = ?
            """, [.blob(keyHash)]) else { return nil }
        return APIKeyOwner(keyID: try row.int("id"), userID: try row.int("user_id"), plan: try row.string("plan"),
                           keyHash: try row.blob("key_hash"), expiresAt: try row.optionalDate("expires_at"),
                           lastUsedAt: try row.optionalDate("last_used_at"))
    }

    /// Stamps a use, unless the key was stamped less than `lastUsedResolution` ago.
    public func recordUse(keyID: Int64, now: Date) throws(MariaDBError) {
        try connection.execute("""
            UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)
            """, [.date(now), .int(keyID), .date(now.addingTimeInterval(-Self.lastUsedResolution))])
    }

    static func record(_ row: Row) throws(MariaDBError) -> APIKeyRecord {
        APIKeyRecord(id: try row.int("id"), userID: try row.int("user_id"), name: try row.string("name"),
                     prefix: try row.string("prefix"), createdAt: try row.date("created_at"),
                     expiresAt: try row.optionalDate("expires_at"), lastUsedAt: try row.optionalDate("last_used_at"))
    }
}
