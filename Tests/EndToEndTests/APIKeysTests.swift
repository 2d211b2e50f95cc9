// Issue 19, API keys through nginx: a key acts as its account wherever an access token does, is
// shown once and stored only as a keyed hash, stops working at once when deleted, expires, counts
// against the account's rate limit, cannot reach credentials, MFA, API keys or billing changes (403),
// and another account's key is 404. At most 20 per account.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("API keys (issue 19)", .needsStack)
struct APIKeysTests {
    static func createKey(_ client: APIClient, _ body: [String: Any] = ["name": "ci"]) throws -> (id: Int64, key: String) {
        let created = try client.post("/api-keys", body)
        #expect(created.status == 201, "\(created)")
        let key = try #require(created["key"] as? String)
        let id = try #require((created["id"] as? NSNumber)?.int64Value)
        return (id, key)
    }

    @Test("a created key is sk_live_ with 256 random bits, shown once, and acts as its account")
    func keyActsAsAccount() throws {
        let account = try TestAccount.make(plan: "pro")
        let owner = try account.client()
        let created = try owner.post("/api-keys", ["name": "nightly export"])
        #expect(created.status == 201, "\(created)")
        let key = try #require(created["key"] as? String)
        #expect(key.hasPrefix("sk_live_") && key.count == 8 + 64, "\(key)")
        #expect((created["prefix"] as? String).map { key.hasPrefix($0) && $0.count == 16 } == true)
        #expect(created["last_used_at"] is NSNull && created["expires_at"] is NSNull)
        let byKey = try APIClient(token: key)
        let me = try byKey.get("/auth/me")
        #expect(me.status == 200 && (me["id"] as? NSNumber)?.int64Value == account.id, "\(me)")
        #expect(try byKey.post("/targets", ["address": "10.88.\(Int.random(in: 0...255)).1"]).status == 201)
        let listed = try owner.get("/api-keys")
        #expect(listed.status == 200 && listed.items.count == 1, "\(listed)")
        #expect(listed.items.first?["key"] == nil, "the list never shows the key")
        #expect(listed.items.first?["last_used_at"] is String, "a use is stamped")
        let stored = try TestStack.appDatabase().queryOne("SELECT HEX(key_hash) AS h, prefix FROM api_keys WHERE user_id = ?", [.int(account.id)])
        #expect(try stored?.string("h").count == 64)
        #expect(try stored?.string("h").lowercased() != String(key.dropFirst(8)), "the key itself is not stored")
    }

    @Test("a deleted key stops working with the very next request (204, then 401)")
    func revocationIsImmediate() throws {
        let owner = try TestAccount.make().client()
        let (id, key) = try Self.createKey(owner)
        let byKey = try APIClient(token: key)
        #expect(try byKey.get("/targets").status == 200)
        #expect(try owner.delete("/api-keys/\(id)").status == 204)
        for _ in 0..<5 { #expect(try byKey.get("/targets").status == 401, "no responder still takes it") }
        #expect(try owner.delete("/api-keys/\(id)").status == 404, "deleting twice is 404")
    }

    @Test("an expired key is 401; an expiry in the past or not RFC 3339 is 400")
    func expiry() throws {
        let account = try TestAccount.make()
        let owner = try account.client()
        let (id, key) = try Self.createKey(owner, ["name": "short", "expires_at": "2099-01-01T00:00:00Z"])
        #expect(try APIClient(token: key).get("/targets").status == 200)
        try TestStack.appDatabase().execute("UPDATE api_keys SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = ?", [.int(id)])
        let expired = try APIClient(token: key).get("/targets")
        #expect(expired.status == 401 && expired.code == "unauthorized", "\(expired)")
        #expect(try owner.post("/api-keys", ["name": "past", "expires_at": "2001-01-01T00:00:00Z"]).status == 400)
        #expect(try owner.post("/api-keys", ["name": "bad", "expires_at": "tomorrow"]).status == 400)
        #expect(try owner.post("/api-keys", ["name": "  "]).status == 400)
        #expect(try owner.post("/api-keys", [String: Any]()).status == 400)
    }

    @Test("a key cannot change credentials, MFA, API keys or billing: 403 forbidden; reading stays allowed")
    func forbiddenActions() throws {
        let owner = try TestAccount.make().client()
        let (id, key) = try Self.createKey(owner)
        let byKey = try APIClient(token: key)
        let refused: [(String, String, [String: Any]?)] = [
            ("POST", "/api-keys", ["name": "another"]), ("GET", "/api-keys", nil), ("DELETE", "/api-keys/\(id)", nil),
            ("POST", "/auth/password", ["current_password": "0123456789ab", "new_password": "0123456789abcd"]),
            ("POST", "/auth/mfa/setup", [:]), ("POST", "/auth/mfa/enable", ["code": "123456"]),
            ("DELETE", "/auth/mfa", ["password": "0123456789ab"]), ("POST", "/auth/logout-all", [:]),
            ("POST", "/billing/checkout", ["plan": "pro"]), ("POST", "/billing/portal", [:]),
            ("POST", "/billing/change-plan", ["plan": "pro"]),
        ]
        for (method, path, body) in refused {
            let response = try byKey.call(method, path, json: body)
            #expect(response.status == 403 && response.code == "forbidden", "\(method) \(path): \(response)")
        }
        #expect(try byKey.get("/billing/status").status == 200)
        #expect(try byKey.get("/auth/me").status == 200)
        #expect(try owner.get("/api-keys").items.count == 1, "the refused create made nothing")
    }

    @Test("another account's key is 404 to list, delete and use as its own; a made-up key is 401")
    func otherAccounts() throws {
        let a = try TestAccount.make().client()
        let b = try TestAccount.make().client()
        let (id, key) = try Self.createKey(a)
        #expect(try b.delete("/api-keys/\(id)").status == 404)
        #expect(try b.get("/api-keys").items.isEmpty)
        #expect(try APIClient(token: key).get("/targets").status == 200, "B's delete left A's key working")
        let forged = try APIClient(token: "sk_live_" + String(repeating: "ab", count: 32)).get("/targets")
        #expect(forged.status == 401 && forged.code == "unauthorized", "\(forged)")
        #expect(try APIClient(token: "sk_live_short").get("/targets").status == 401)
    }

    @Test("at most 20 keys per account: the 21st is 403 plan_limit")
    func cap() throws {
        let owner = try TestAccount.make().client()
        for index in 0..<20 { #expect(try owner.post("/api-keys", ["name": "k\(index)"]).status == 201) }
        let over = try owner.post("/api-keys", ["name": "one too many"])
        #expect(over.status == 403 && over.code == "plan_limit", "\(over)")
        let page = try owner.get("/api-keys?limit=15")
        #expect(page.items.count == 15)
        let cursor = try #require(page["next_cursor"] as? String)
        #expect(try owner.get("/api-keys?limit=15&cursor=\(cursor)").items.count == 5)
    }

    @Test("requests with a key count against the account's budget, shared with its access tokens")
    func rateLimitPerAccount() throws {
        let account = try TestAccount.make(plan: "free")
        let owner = try account.client()
        let (_, key) = try Self.createKey(owner)
        let byToken = try owner.get("/targets")
        let byKey = try APIClient(token: key).get("/targets")
        let before = Int(byToken.header("X-RateLimit-Remaining") ?? "")
        let after = Int(byKey.header("X-RateLimit-Remaining") ?? "")
        #expect(byKey.header("X-RateLimit-Limit") == "60", "the free plan's limit: \(byKey.headers)")
        let b = try #require(before), k = try #require(after)
        #expect(b - k == 1 || k == 59, "one budget (or a new window): \(b) then \(k)")
    }
}
