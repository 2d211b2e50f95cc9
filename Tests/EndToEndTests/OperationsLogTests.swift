// Secrets never reach a log: after requests that carry passwords, bearer tokens, refresh tokens and
// MFA codes (register, login, refresh, MFA setup/enable, a recovery-code login), no log of the stack
// (responders, runner, MariaDB, nginx access and error logs) contains any of them, nor the JWT
// keys, MFA key, webhook secret or DB password of the stack's settings. Each flow must succeed, so
// the secrets looked for really went through the stack.
// Trap: nginx's access log records the request line, so secrets must never travel in URLs.
import Foundation
import SkannrCore
import SkannrCrypto
import Testing
import TestSupport

@Suite("Logs carry no secrets", .needsStack, .serialized)
struct OperationsLogTests {
    static func random(_ prefix: String) -> String {
        prefix + String(UInt64.random(in: 0...UInt64.max), radix: 36) + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Every `*.log` file of the running stack, with its text.
    static func logs() -> [(String, String)] {
        let roots = [TestStack.runtimeDirectory + "/logs", TestStack.runtimeDirectory + "/nginx/logs"]
        return roots.flatMap { root in
            ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasSuffix(".log") }.compactMap { name in
                (try? String(contentsOfFile: root + "/" + name, encoding: .utf8)).map { (root + "/" + name, $0) }
            }
        }
    }

    @Test("passwords, tokens, codes and the stack's own secrets appear in no log after auth traffic")
    func noSecretsInLogs() throws {
        let password = Self.random("Pw-")
        let email = "\(Self.random("ops")).log@example.test"
        var secrets = [password]
        let client = try APIClient()

        let registered = try client.post("/auth/register", ["email": email, "password": password, "name": "Log Test"])
        try #require(registered.status == 201, "\(registered)")
        let login = try client.post("/auth/login", ["email": email, "password": password])
        try #require(login.status == 200, "\(login)")
        for response in [registered, login] {
            secrets.append(try #require(response["access_token"] as? String))
            secrets.append(try #require(response["refresh_token"] as? String))
        }
        let refresh = try #require(login["refresh_token"] as? String)
        let refreshed = try client.post("/auth/token/refresh", ["refresh_token": refresh])
        try #require(refreshed.status == 200, "\(refreshed)")
        secrets.append(try #require(refreshed["refresh_token"] as? String))
        secrets.append(try #require(refreshed["access_token"] as? String))

        let bearer = try APIClient(token: try #require(login["access_token"] as? String))
        let setup = try bearer.post("/auth/mfa/setup")
        let secret = try #require(setup["secret"] as? String, "\(setup)")
        secrets.append(secret)
        let code = TOTP(secret: try #require(Base32.decode(secret))).code(at: Date())
        let enabled = try bearer.post("/auth/mfa/enable", ["code": code])
        let recovery = try #require(enabled["recovery_codes"] as? [String], "\(enabled)")
        secrets += recovery
        let recoveryLogin = try client.post("/auth/login", ["email": email, "password": password, "mfa_code": try #require(recovery.first)])
        #expect(recoveryLogin.status == 200, "\(recoveryLogin)")
        #expect(try bearer.delete("/auth/mfa", ["password": password, "code": recovery[1]]).status == 200)
        _ = try client.post("/auth/logout", ["refresh_token": try #require(refreshed["refresh_token"] as? String)])

        // A token minted for another account, on an ordinary route.
        let account = try TestAccount.make(plan: "pro")
        secrets.append(account.token)
        #expect(try account.client().get("/targets").status == 200)
        let forged = Self.random("eyJhbGciOiJIUzI1NiJ9.forged")
        secrets.append(forged)
        #expect(try APIClient(token: forged).get("/targets").status == 401)

        for key in ["SKANNR_DB_PASSWORD", "SKANNR_MFA_KEY", "SKANNR_STRIPE_WEBHOOK_SECRET"] {
            if let value = TestStack.setting(key), value.count >= 8 { secrets.append(value) }
        }
        if let keys = TestStack.setting("SKANNR_JWT_KEYS") {
            for pair in keys.split(separator: ",") {
                if let secret = pair.split(separator: ":", maxSplits: 1).last, secret.count >= 8 { secrets.append(String(secret)) }
            }
        }

        // The requests did reach the logs (the access log is written after the response: poll).
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, !Self.logs().contains(where: { $0.1.contains("/api/v1/auth/token/refresh") }) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let logs = Self.logs()
        #expect(logs.contains { $0.0.hasSuffix("api.log") && $0.1.contains("\"route\"") }, "no request lines in api.log")
        #expect(logs.contains { $0.1.contains("/api/v1/auth/token/refresh") }, "the access log lacks the refresh request")
        for secret in secrets {
            for (path, text) in logs {
                #expect(!text.contains(secret), "a secret (\(secret.prefix(4))…) is in \(path)")
            }
        }
    }

    @Test("the request log line has the contract's fields and the route pattern, not the raw path")
    func requestLineShape() throws {
        let account = try TestAccount.make(plan: "pro")
        let response = try account.client().get("/targets/987654321")
        #expect(response.status == 404)
        Thread.sleep(forTimeInterval: 0.2)
        let apiLog = Self.logs().first { $0.0.hasSuffix("/logs/api.log") }?.1 ?? ""
        let line = apiLog.split(separator: "\n").last { $0.contains("\"account_id\":\"\(account.id)\"") && $0.contains("/targets/:id") }
        let fields = line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
        for key in ["time", "request_id", "method", "route", "status", "duration_ms", "account_id"] {
            #expect(fields[key] != nil, "missing \(key) in \(line ?? "no line")")
        }
        #expect(fields["route"] as? String == "/targets/:id")
        #expect(fields["status"] as? String == "404")
        #expect(!apiLog.contains("987654321"), "the raw path (with its id) should not be logged")
    }
}
