// Test accounts independent of the auth endpoints: a user row inserted with SQL into the stack's
// database and an access token minted with the stack's own JWT keys. users.plan decides plan
// limits; the token's plan claim decides the rate limit.

import Foundation
import MariaDB
import SkannrCore

public struct TestAccount: Sendable {
    public let id: Int64
    public let plan: String
    public let token: String

    /// A new user on `plan` with a fresh access token.
    public static func make(plan: String = "business", name: String = "Test") throws -> TestAccount {
        let now = Date()
        let email = "t\(UInt64.random(in: 0...UInt64.max))@example.test"
        let id = Int64(try TestStack.appDatabase().execute(
            "INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES (?, ?, 'x', ?, ?, ?)",
            [.text(name), .text(email), .text(plan), .date(now), .date(now)]).lastInsertID)
        return TestAccount(id: id, plan: plan, token: try stackSigner().sign(userID: id, plan: plan, now: now))
    }

    /// The signer of the running stack (SKANNR_JWT_KEYS of its settings file).
    public static func stackSigner() throws -> JWTSigner {
        guard let keys = TestStack.setting("SKANNR_JWT_KEYS") else { throw MariaDBError.client("the stack has no SKANNR_JWT_KEYS") }
        return JWTSigner(keys: try JWTKeySet.parse(keys), issuer: "skannr", audience: "skannr-api")
    }

    public func client() throws -> APIClient { try APIClient(token: token) }
}
