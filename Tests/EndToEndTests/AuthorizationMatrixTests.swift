// The authorization matrix, table-driven over the contract's endpoints: account B using account
// A's ids gets 404 and A's rows are byte-for-byte unchanged (checked with SQL); every
// authenticated endpoint refuses a missing, expired, foreign-key, alg-none and refresh token
// with 401. Every contract endpoint is routed: one answering "No such endpoint" fails the test.
import Foundation
import MariaDB
import SkannrCore
import SkannrCrypto
import Testing
import TestSupport

@Suite("Authorization matrix", .serialized, .needsStack)
struct AuthorizationMatrixTests {
    /// A's target, a completed scan, a pending scan (on a second target), an open alert, an API key,
    /// a notification channel and its test delivery: one object of every kind a path can name.
    struct Owned {
        let account: TestAccount
        let target: Int64
        let completedScan: Int64
        let pendingScan: Int64
        let alert: Int64
        let apiKey: Int64
        let channel: Int64
        let delivery: Int64

        func id(for kind: ContractEndpoint.IDKind, method: String, path: String) -> Int64 {
            switch kind {
            case .target: target
            case .scan: path.hasSuffix("/cancel") ? pendingScan : completedScan
            case .alert: alert
            case .apiKey: apiKey
            case .channel: channel
            case .delivery: delivery
            }
        }
    }

    static func makeOwned() throws -> Owned {
        let account = try TestAccount.make(plan: "business")
        let target = try account.target("10.61.\(Int.random(in: 0...255)).1", ["label": "A's", "interval_minutes": 60])
        let second = try account.target("10.62.\(Int.random(in: 0...255)).1")
        let db = try TestStack.appDatabase()
        let completed = try Seed.scan(db, account: account.id, target: target)
        try Seed.host(db, scan: completed, "10.61.0.1", open: 1, closed: 0, filtered: 0)
        try Seed.port(db, scan: completed, "10.61.0.1", 443, service: "https")
        let pending = try Seed.scan(db, account: account.id, target: second, status: "pending")
        let alert = Int64(try db.execute("""
            INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
            VALUES (?, ?, ?, 'new_port', 'high', '10.61.0.1', 443, 'New open port 443', '{}', 'open', ?, UTC_TIMESTAMP(6))
            """, [.int(account.id), .int(target), .int(completed), .text("matrix-\(UUID().uuidString)")]).lastInsertID)
        let key = try account.client().post("/api-keys", ["name": "A's key"])
        let apiKey = try #require((key["id"] as? NSNumber)?.int64Value, "A's API key: \(key)")
        let client = try account.client()
        let created = try client.post("/notifications/channels", ["type": "email", "email": "matrix-a@example.com"])
        let channel = try #require((created["id"] as? NSNumber)?.int64Value, "A's channel: \(created)")
        #expect(try client.post("/notifications/channels/\(channel)/test").status == 202)
        let deliveries = try client.get("/notifications/deliveries?channel_id=\(channel)")
        let delivery = try #require((deliveries.items.first?["id"] as? NSNumber)?.int64Value, "A's test delivery: \(deliveries)")
        return Owned(account: account, target: target, completedScan: completed, pendingScan: pending, alert: alert, apiKey: apiKey,
                     channel: channel, delivery: delivery)
    }

    /// Every row of the account's targets, scans, results and alerts, as one digest per table.
    static func snapshot(_ account: Int64) throws -> [String: String] {
        let db = try TestStack.appDatabase()
        let queries = [
            "targets": "SELECT MD5(IFNULL(GROUP_CONCAT(CONCAT_WS('|', id, address, IFNULL(label,'-'), scan_profile, IFNULL(ports,'-'), IFNULL(interval_minutes,'-'), enabled, updated_at, IFNULL(next_scan_at,'-'), IFNULL(last_scan_id,'-')) ORDER BY id), '')) AS h FROM targets WHERE user_id = ?",
            "scans": "SELECT MD5(IFNULL(GROUP_CONCAT(CONCAT_WS('|', id, target_id, status, IFNULL(finished_at,'-')) ORDER BY id), '')) AS h FROM scans WHERE user_id = ?",
            "alerts": "SELECT MD5(IFNULL(GROUP_CONCAT(CONCAT_WS('|', id, status, IFNULL(acknowledged_at,'-'), IFNULL(resolved_at,'-')) ORDER BY id), '')) AS h FROM alerts WHERE user_id = ?",
            "results": "SELECT MD5(IFNULL(GROUP_CONCAT(CONCAT_WS('|', p.id, p.port, p.state) ORDER BY p.id), '')) AS h FROM port_results p JOIN scans s ON s.id = p.scan_id WHERE s.user_id = ?",
            "channels": "SELECT MD5(IFNULL(GROUP_CONCAT(CONCAT_WS('|', id, min_severity, enabled) ORDER BY id), '')) AS h FROM notification_channels WHERE user_id = ?",
            "api_keys": "SELECT MD5(IFNULL(GROUP_CONCAT(CONCAT_WS('|', id, name, HEX(key_hash)) ORDER BY id), '')) AS h FROM api_keys WHERE user_id = ?",
            "users": "SELECT MD5(CONCAT_WS('|', name, email, plan, mfa_enabled, IFNULL(HEX(mfa_pending_secret),'-'), updated_at)) AS h FROM users WHERE id = ?",
        ]
        var digests: [String: String] = [:]
        for (table, sql) in queries { digests[table] = try db.queryOne(sql, [.int(account)])?.string("h") ?? "none" }
        return digests
    }

    @Test("account B using account A's ids gets 404 on every endpoint that takes an id, and A's rows do not change")
    func crossAccountIDs() throws {
        let a = try Self.makeOwned()
        let b = try TestAccount.make(plan: "business")
        let client = try b.client()
        let before = try Self.snapshot(a.account.id)
        var checked: [String] = []
        var skipped: [String] = []
        for endpoint in ContractEndpoint.all {
            guard let kind = endpoint.idKind else { continue }
            let id = a.id(for: kind, method: endpoint.method, path: endpoint.path)
            let response = try client.send(endpoint.method, endpoint.path(id: id), json: endpoint.body ?? (endpoint.method == "POST" ? [String: Any]() : nil))
            if response.isUnroutedEndpoint {
                skipped.append(endpoint.description)
                continue
            }
            checked.append(endpoint.description)
            #expect(response.status == 404, "\(endpoint) with another account's id: \(response)")
            #expect(response.code == "not_found", "\(endpoint): \(response)")
            #expect(!response.text.contains("10.61."), "\(endpoint) reveals nothing of the object: \(response)")
        }
        #expect(try Self.snapshot(a.account.id) == before, "A's targets, scans, results, alerts and user row are unchanged")
        // A still sees its own objects (the ids were right).
        let own = try a.account.client()
        #expect(try own.get("/targets/\(a.target)").status == 200)
        #expect(try own.get("/scans/\(a.completedScan)").status == 200)
        Figures.report("authz-ids", ["endpoints": checked.count, "skipped": skipped.count])
        #expect(skipped.isEmpty, "every contract endpoint with an id is routed: \(skipped)")
        #expect(checked.count == ContractEndpoint.all.filter { $0.idKind != nil }.count)
    }

    @Test("B's lists never contain A's objects")
    func crossAccountLists() throws {
        let a = try Self.makeOwned()
        let client = try TestAccount.make(plan: "business").client()
        for path in ["/targets", "/scans", "/scans?target_id=\(a.target)", "/alerts", "/alerts?target_id=\(a.target)"] {
            let response = try client.send("GET", path)
            #expect(response.status == 200, "\(path): \(response)")
            #expect(response.items.isEmpty, "\(path) lists nothing of A's: \(response)")
        }
    }

    /// Bearer tokens that must all be refused, by name.
    static func badTokens(_ account: TestAccount) throws -> [(String, String?)] {
        let keys = try JWTKeySet.parse(try #require(TestStack.setting("SKANNR_JWT_KEYS")))
        let signer = JWTSigner(keys: keys, issuer: "skannr", audience: "skannr-api")
        let expired = signer.sign(userID: account.id, plan: "business", now: Date().addingTimeInterval(-3600))
        let foreignKeys = try JWTKeySet.parse("\(keys.currentKid):" + Base64URL.encode(SecureRandom.bytes(32)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=")
        let foreign = JWTSigner(keys: foreignKeys, issuer: "skannr", audience: "skannr-api").sign(userID: account.id, plan: "business", now: Date())
        let valid = account.token.split(separator: ".")
        let noneHeader = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT","kid":"\#(keys.currentKid)"}"#.utf8))
        let algNone = "\(noneHeader).\(valid[1])."
        let algNoneSigned = "\(noneHeader).\(valid[1]).\(valid[2])"
        return [("no token", nil), ("expired", expired), ("signed with another key", foreign), ("alg none", algNone),
                ("alg none with the real signature", algNoneSigned), ("refresh token", try refreshToken()),
                ("garbage", "not.a.jwt"), ("tampered payload", "\(valid[0]).\(Base64URL.encode(Array(#"{"sub":1}"#.utf8))).\(valid[2])")]
    }

    /// A real, unused refresh token of a new account.
    static func refreshToken() throws -> String {
        let email = "matrix-\(UInt32.random(in: 0...UInt32.max))@example.test"
        let response = try APIClient().send("POST", "/auth/register", json: ["name": "Matrix", "email": email, "password": "matrix-password-1"])
        try #require(response.status == 201, "\(response)")
        return try #require(response["refresh_token"] as? String, "\(response)")
    }

    @Test("every authenticated endpoint answers 401 to a missing, expired, foreign, alg-none or refresh token")
    func badTokensAreRefused() throws {
        let account = try TestAccount.make(plan: "business")
        let tokens = try Self.badTokens(account)
        let client = try APIClient()
        var refused = 0
        var skipped: Set<String> = []
        for endpoint in ContractEndpoint.all where !endpoint.open {
            for (name, token) in tokens {
                let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
                let response = try client.send(endpoint.method, endpoint.path(id: 1), json: endpoint.body, headers: headers)
                if response.isUnroutedEndpoint {
                    skipped.insert(endpoint.description)
                    break
                }
                #expect(response.status == 401, "\(endpoint) with \(name): \(response)")
                #expect(["unauthorized", "token_expired"].contains(response.code ?? ""), "\(endpoint) with \(name): \(response)")
                if name == "expired" { #expect(response.code == "token_expired", "\(endpoint): \(response)") }
                refused += 1
            }
        }
        Figures.report("authz-tokens", ["requests": refused, "skipped_endpoints": skipped.count])
        #expect(skipped.isEmpty, "every authenticated contract endpoint is routed: \(skipped.sorted())")
        // The valid token works (the refusals above are about the tokens, not the endpoints).
        #expect(try account.client().get("/targets").status == 200)
    }

    @Test("a token for an account that was deleted is refused")
    func deletedAccount() throws {
        let account = try TestAccount.make(plan: "free")
        try TestStack.appDatabase().execute("DELETE FROM users WHERE id = ?", [.int(account.id)])
        let response = try account.client().send("POST", "/targets", json: ["address": "10.63.0.1"])
        #expect(response.status == 401, "\(response)")
    }
}
