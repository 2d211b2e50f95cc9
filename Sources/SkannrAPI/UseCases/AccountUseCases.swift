// Use cases of accounts and sessions: each owns its transaction and takes plain values, so a
// controller only reads the request, calls one of these and writes the view. No SQL here (the
// stores hold it) and no transport.
import Foundation
import SkannrStore

enum AccountUseCases {
    /// A new account and its first known address (the email must be free: 409 `email_taken`).
    static func register(name: String, email: String, passwordHash: String, clientAddress: String, policy: LoginThrottlePolicy,
                         stores: Stores, now: Date) throws -> UserRecord {
        let user: UserRecord
        do {
            user = try stores.users.create(name: name, email: email, passwordHash: passwordHash, now: now)
        } catch where DatabaseFailure(error) == .duplicateKey {
            throw APIError(.emailTaken, "An account with this email already exists")
        }
        try LoginThrottle.rememberRegistration(userID: user.id, clientAddress: clientAddress, stores: stores, policy: policy, now: now)
        return user
    }

    /// The new password hash and every other session revoked, together.
    static func changePassword(userID: Int64, passwordHash: String, keepingSession: [UInt8]?, stores: Stores, now: Date) throws {
        try stores.transaction { tx in
            try tx.users.updatePasswordHash(userID: userID, passwordHash: passwordHash, now: now)
            try tx.refreshTokens.revokeAll(userID: userID, keeping: keepingSession, now: now)
        }
    }

    /// MFA off and, when it was on, every other session revoked, together.
    static func disableMFA(userID: Int64, wasEnabled: Bool, keepingSession: [UInt8]?, stores: Stores, now: Date) throws {
        try stores.transaction { tx in
            try tx.users.disableMFA(userID: userID, now: now)
            if wasEnabled { try tx.refreshTokens.revokeAll(userID: userID, keeping: keepingSession, now: now) }
        }
    }
}
