// Accounts: create, find, password rehash, and the MFA columns. Emails arrive normalised
// (trimmed, lowercased); the unique key on users.email is the only duplicate check (no racy
// SELECT first): `create` lets MariaDB's duplicate-key error (1062) escape for the caller to map.
import Foundation
import MariaDB

public struct UserRecord: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let email: String
    public let passwordHash: String
    public let plan: String
    public let mfaEnabled: Bool
    public let mfaSecret: [UInt8]?
    public let mfaPendingSecret: [UInt8]?
    public let mfaLastStep: Int64?
    public let createdAt: Date
}

public struct UserStore {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    static let columns = "id, name, email, password_hash, plan, mfa_enabled, mfa_secret, mfa_pending_secret, mfa_last_step, created_at"

    /// Inserts a free-plan account. Throws MariaDBError with isDuplicateKey when the email is taken.
    public func create(name: String, email: String, passwordHash: String, now: Date) throws(MariaDBError) -> UserRecord {
        let result = try connection.execute(
            "INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES (?, ?, ?, 'free', ?, ?)",
            [.text(name), .text(email), .text(passwordHash), .date(now), .date(now)])
        guard let user = try find(id: Int64(result.lastInsertID)) else {
            throw .client("user \(result.lastInsertID) vanished after insert")
        }
        return user
    }

    public func find(id: Int64) throws(MariaDBError) -> UserRecord? {
        try connection.queryOne("SELECT \(Self.columns) FROM users WHERE id = ?", [.int(id)]).map(Self.record)
    }

    public func find(email: String) throws(MariaDBError) -> UserRecord? {
        try connection.queryOne("SELECT \(Self.columns) FROM users WHERE email = ?", [.text(email)]).map(Self.record)
    }

    public func updatePasswordHash(userID: Int64, passwordHash: String, now: Date) throws(MariaDBError) {
        try connection.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                               [.text(passwordHash), .date(now), .int(userID)])
    }

    /// Stores the sealed secret of a new MFA setup (replacing any earlier pending one); false when
    /// MFA is already on.
    public func setPendingMFASecret(userID: Int64, sealed: [UInt8], now: Date) throws(MariaDBError) -> Bool {
        try connection.execute(
            "UPDATE users SET mfa_pending_secret = ?, updated_at = ? WHERE id = ? AND mfa_enabled = FALSE",
            [.blob(sealed), .date(now), .int(userID)]).affectedRows == 1
    }

    /// Turns MFA on with the pending secret `pending` (compare-and-set: false when it changed or MFA
    /// is already on), records the step of the code that proved it, and replaces the recovery codes.
    public func enableMFA(userID: Int64, pending: [UInt8], step: Int64, recoveryCodeHashes: [[UInt8]], now: Date) throws -> Bool {
        try connection.transaction { tx in
            let updated = try tx.execute("""
                UPDATE users SET mfa_enabled = TRUE, mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL,
                    mfa_last_step = GREATEST(COALESCE(mfa_last_step, ?), ?), updated_at = ?
                WHERE id = ? AND mfa_enabled = FALSE AND mfa_pending_secret = ?
                """, [.int(step), .int(step), .date(now), .int(userID), .blob(pending)])
            guard updated.affectedRows == 1 else { return false }
            try tx.execute("DELETE FROM mfa_recovery_codes WHERE user_id = ?", [.int(userID)])
            for hash in recoveryCodeHashes {
                try tx.execute("INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES (?, ?)", [.int(userID), .blob(hash)])
            }
            try ProgressStore.mfaEnabled(connection: tx, accountID: userID, now: now)  // XP and achievement, same transaction
            return true
        }
    }

    /// Claims TOTP step `step` for the account: true only for the first caller with a step later
    /// than the last one used (atomic, so a code is accepted once even by two concurrent logins).
    public func claimTOTPStep(userID: Int64, step: Int64) throws(MariaDBError) -> Bool {
        try connection.execute(
            "UPDATE users SET mfa_last_step = ? WHERE id = ? AND (mfa_last_step IS NULL OR mfa_last_step < ?)",
            [.int(step), .int(userID), .int(step)]).affectedRows == 1
    }

    /// Marks an unused recovery code used; true when this call used it.
    public func useRecoveryCode(userID: Int64, codeHash: [UInt8], now: Date) throws(MariaDBError) -> Bool {
        try connection.execute(
            "UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
            [.date(now), .int(userID), .blob(codeHash)]).affectedRows == 1
    }

    public func unusedRecoveryCodeCount(userID: Int64) throws(MariaDBError) -> Int {
        Int(try connection.queryOne("SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL",
                                    [.int(userID)])?.int("n") ?? 0)
    }

    /// Turns MFA off: secret, pending secret and recovery codes go. mfa_last_step stays (it only
    /// ever grows, so no code can be replayed across a disable/enable).
    public func disableMFA(userID: Int64, now: Date) throws {
        try connection.transaction { tx in
            try tx.execute("""
                UPDATE users SET mfa_enabled = FALSE, mfa_secret = NULL, mfa_pending_secret = NULL, updated_at = ?
                WHERE id = ?
                """, [.date(now), .int(userID)])
            try tx.execute("DELETE FROM mfa_recovery_codes WHERE user_id = ?", [.int(userID)])
        }
    }

    static func record(_ row: Row) throws(MariaDBError) -> UserRecord {
        UserRecord(
            id: try row.int("id"), name: try row.string("name"), email: try row.string("email"),
            passwordHash: try row.string("password_hash"), plan: try row.string("plan"),
            mfaEnabled: try row.bool("mfa_enabled"), mfaSecret: try row.optionalBlob("mfa_secret"),
            mfaPendingSecret: try row.optionalBlob("mfa_pending_secret"),
            mfaLastStep: try row.optionalInt("mfa_last_step"), createdAt: try row.date("created_at"))
    }
}
