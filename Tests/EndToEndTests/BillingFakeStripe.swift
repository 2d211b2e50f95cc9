// Starts Tests/Fixtures/fake_stripe.py once per test process on the port of the stack's
// SKANNR_STRIPE_API_BASE, and drives its test-control endpoints. The fake exits by itself when
// this process ends (it watches its parent) or after 15 minutes at most.
import Foundation
import HTTPClient
import SkannrCore
import SkannrCrypto
import TestSupport
import MariaDB

struct FakeStripeError: Error, Sendable, CustomStringConvertible { let description: String }

enum FakeStripe {
    static let started: Result<String, FakeStripeError> = start()

    static func baseURL() throws -> String { try started.get() }

    private static func start() -> Result<String, FakeStripeError> {
        guard let base = TestStack.setting("SKANNR_STRIPE_API_BASE"), let port = URL(string: base)?.port,
              let secret = TestStack.setting("SKANNR_STRIPE_WEBHOOK_SECRET") else {
            return .failure(FakeStripeError(description: "the stack's settings name no Stripe API base or webhook secret"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        var arguments = [TestStack.projectDirectory + "/Tests/Fixtures/fake_stripe.py", "--port", "\(port)",
                         "--webhook-secret", secret, "--webhook-url", TestStack.baseURL + "/billing/webhook",
                         "--lifetime", "900", "--parent-pid", "\(getpid())"]
        if let key = TestStack.setting("SKANNR_STRIPE_SECRET_KEY") { arguments += ["--secret-key", key] }
        if let ca = TestStack.caFile { arguments += ["--ca-file", ca] }
        for name in ["SKANNR_STRIPE_PRICE_PRO", "SKANNR_STRIPE_PRICE_BUSINESS"] {
            if let price = TestStack.setting(name) { arguments += ["--price", price] }
        }
        process.arguments = arguments
        let logPath = TestStack.runtimeDirectory + "/logs/fake_stripe.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        if let log = FileHandle(forWritingAtPath: logPath) {
            process.standardOutput = log
            process.standardError = log
        }
        do { try process.run() } catch { return .failure(FakeStripeError(description: "python3 did not start: \(error)")) }
        for _ in 0..<100 {
            if (try? control("GET", base + "/_test/state")) != nil { return .success(base) }
            usleep(100_000)
        }
        return .failure(FakeStripeError(description: "the fake Stripe did not answer on \(base)"))
    }

    /// Calls a test-control endpoint with a JSON body; returns the JSON answer.
    @discardableResult
    static func call(_ method: String, _ path: String, _ body: [String: Any] = [:]) throws -> [String: Any] {
        try control(method, try baseURL() + path, body)
    }

    private static func control(_ method: String, _ url: String, _ body: [String: Any] = [:]) throws -> [String: Any] {
        let http = try HTTPClient(timeout: .seconds(30))
        let data = method == "GET" ? nil : Array(try JSONSerialization.data(withJSONObject: body))
        let response = try http.send(HTTPRequest(method: method, url: url, headers: [("Content-Type", "application/json")], body: data))
        guard response.status == 200, let json = try response.json() as? [String: Any] else {
            throw FakeStripeError(description: "fake \(method) \(url): \(response.status) \(response.text)")
        }
        return json
    }

    static func requests() throws -> [[String: Any]] { try call("GET", "/_test/requests")["requests"] as? [[String: Any]] ?? [] }

    static func setFailMode(_ mode: String) throws { try call("POST", "/_test/fail_mode", ["mode": mode, "hang_seconds": 20]) }

    /// Whether the Customer Portal's default configuration counts as saved in the dashboard.
    static func setPortalSaved(_ saved: Bool) throws { try call("POST", "/_test/portal", ["saved": saved]) }

    /// The one API version the stand-in speaks.
    static func apiVersion() throws -> String { try call("GET", "/_test/state")["api_version"] as? String ?? "?" }

    /// A raw Stripe API call to the stand-in (not through Skannr), with the stack's secret key.
    static func stripe(_ method: String, _ path: String, form: String = "", version: String?) throws -> (status: Int, error: [String: Any], json: [String: Any]) {
        var headers = [("Authorization", "Bearer " + (TestStack.setting("SKANNR_STRIPE_SECRET_KEY") ?? "")),
                       ("Content-Type", "application/x-www-form-urlencoded")]
        if let version { headers.append(("Stripe-Version", version)) }
        let response = try HTTPClient(timeout: .seconds(10)).send(HTTPRequest(
            method: method, url: try baseURL() + path, headers: headers, body: method == "GET" ? nil : Array(form.utf8)))
        let json = (try? response.json()) as? [String: Any] ?? [:]
        return (response.status, json.object("error"), json)
    }
}

/// An account made with SQL and a token minted for it, as API-NOTES describes.
struct BillingAccount {
    let id: Int64
    let client: APIClient

    /// Also makes sure the fake Stripe is running.
    static func make() throws -> BillingAccount {
        _ = try FakeStripe.baseURL()
        let account = try TestAccount.make(plan: "free", name: "Billing Test")
        return BillingAccount(id: account.id, client: try account.client())
    }

    /// Inserts `count` targets, oldest first (one second apart), each with `interval` minutes.
    func addTargets(_ count: Int, interval: Int) throws {
        let db = try TestStack.appDatabase()
        for index in 0..<count {
            try db.execute("""
                INSERT INTO targets (user_id, address, address_type, scan_profile, interval_minutes, enabled,
                    created_at, updated_at, last_scan_at, next_scan_at)
                VALUES (?, ?, 'ip', 'standard', ?, TRUE, UTC_TIMESTAMP(6) - INTERVAL ? SECOND, UTC_TIMESTAMP(6),
                    UTC_TIMESTAMP(6) - INTERVAL 10 MINUTE, UTC_TIMESTAMP(6) + INTERVAL 50 MINUTE)
                """, [.int(id), .text("192.0.2.\(index + 1)"), .int(Int64(interval)), .int(Int64(count - index))])
        }
    }

    func targets() throws -> [(address: String, enabled: Bool, interval: Int64?, lastScan: Date?, nextScan: Date?)] {
        try TestStack.appDatabase().query(
            "SELECT address, enabled, interval_minutes, last_scan_at, next_scan_at FROM targets WHERE user_id = ? ORDER BY created_at, id",
            [.int(id)]).map { row in
                (try row.string("address"), try row.bool("enabled"), try row.optionalInt("interval_minutes"),
                 try row.optionalDate("last_scan_at"), try row.optionalDate("next_scan_at"))
            }
    }

    func subscriptionRow() throws -> Row? {
        try TestStack.appDatabase().queryOne("SELECT * FROM subscriptions WHERE user_id = ?", [.int(id)])
    }

    func status() throws -> APIResponse { try client.get("/billing/status") }

    /// POST /billing/checkout, then the fake pays the session as Checkout does (sending `events`
    /// in that order, else all four of Checkout's in random order); `options` go to complete_checkout.
    func subscribe(_ plan: String, events: [String]? = nil, options: [String: Any] = [:]) throws -> (session: String, subscription: [String: Any], deliveries: [[String: Any]]) {
        let checkout = try client.post("/billing/checkout", ["plan": plan])
        guard checkout.status == 200, let session = checkout["session_id"] as? String else {
            throw FakeStripeError(description: "checkout failed: \(checkout)")
        }
        var options = options
        if let events { options["order"] = events }
        let completed = try FakeStripe.call("POST", "/_test/complete_checkout/\(session)", options)
        return (session, completed["subscription"] as? [String: Any] ?? [:], completed["deliveries"] as? [[String: Any]] ?? [])
    }
}

extension [String: Any] {
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
}
