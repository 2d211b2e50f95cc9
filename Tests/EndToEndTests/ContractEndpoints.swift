// The contract's endpoint list for the end-to-end hardening suites (authorization matrix, hostile
// input), with what each needs: the kind of id in its path and a small valid body. All are routed:
// an answer of 404 "No such endpoint" from one of them is a failure (isUnroutedEndpoint).
import Foundation
import Testing
import TestSupport

struct ContractEndpoint: CustomStringConvertible, Sendable {
    enum IDKind: String, Sendable { case target, scan, alert, apiKey }

    let method: String
    /// Path below /api/v1 with `{id}` for the path parameter.
    let path: String
    let open: Bool
    let idKind: IDKind?
    /// A body that passes validation (nil: no body).
    let body: [String: any Sendable]?

    init(_ method: String, _ path: String, open: Bool = false, id: IDKind? = nil, body: [String: any Sendable]? = nil) {
        self.method = method
        self.path = path
        self.open = open
        idKind = id
        self.body = body
    }

    var description: String { "\(method) \(path)" }

    func path(id: Int64) -> String { path.replacingOccurrences(of: "{id}", with: String(id)) }

    /// The contract's endpoints (keep in step with openapi.yaml and OpenAPISyncTests.contract).
    static let all: [ContractEndpoint] = [
        .init("GET", "/health", open: true),
        .init("POST", "/auth/register", open: true, body: ["name": "X", "email": "x@example.test", "password": "0123456789ab"]),
        .init("POST", "/auth/login", open: true, body: ["email": "x@example.test", "password": "0123456789ab"]),
        .init("POST", "/auth/token/refresh", open: true, body: ["refresh_token": "rt_x"]),
        .init("POST", "/auth/logout", body: ["refresh_token": "rt_x"]),
        .init("GET", "/auth/me"),
        .init("POST", "/auth/mfa/setup"),
        .init("POST", "/auth/mfa/enable", body: ["code": "123456"]),
        .init("DELETE", "/auth/mfa", body: ["password": "0123456789ab", "code": "123456"]),
        .init("POST", "/auth/logout-all"),
        .init("POST", "/auth/password", body: ["current_password": "0123456789ab", "new_password": "0123456789abcd"]),
        .init("GET", "/targets"),
        .init("POST", "/targets", body: ["address": "10.77.0.1"]),
        .init("GET", "/targets/{id}", id: .target),
        .init("PATCH", "/targets/{id}", id: .target, body: ["label": "changed by another account", "enabled": false]),
        .init("DELETE", "/targets/{id}", id: .target),
        .init("GET", "/scans"),
        .init("GET", "/scans/{id}", id: .scan),
        .init("GET", "/scans/{id}/results", id: .scan),
        .init("GET", "/scans/{id}/summary", id: .scan),
        .init("GET", "/scans/{id}/diff", id: .scan),
        .init("POST", "/targets/{id}/scan", id: .target),
        .init("POST", "/scans/trigger-all"),
        .init("POST", "/scans/{id}/cancel", id: .scan),
        .init("GET", "/alerts"),
        .init("POST", "/alerts/{id}/acknowledge", id: .alert),
        .init("POST", "/alerts/{id}/resolve", id: .alert),
        .init("POST", "/alerts/{id}/accept", id: .alert, body: ["note": "accepted by another account"]),
        .init("GET", "/billing/status"),
        .init("POST", "/billing/checkout", body: ["plan": "pro"]),
        .init("POST", "/billing/portal"),
        .init("POST", "/billing/change-plan", body: ["plan": "pro"]),
        .init("POST", "/billing/webhook", open: true, body: ["id": "evt_x", "type": "ping"]),
        .init("GET", "/score"),
        .init("GET", "/streak"),
        .init("GET", "/achievements"),
        // Notifications: others' channel and delivery ids are NotificationEndToEndTests.isolation.
        .init("GET", "/notifications/channels"),
        .init("POST", "/notifications/channels", body: ["type": "email", "email": "ops@example.com"]),
        .init("PATCH", "/notifications/channels/{id}", body: ["enabled": false]),
        .init("DELETE", "/notifications/channels/{id}"),
        .init("POST", "/notifications/channels/{id}/test"),
        .init("GET", "/notifications/deliveries"),
        .init("POST", "/notifications/deliveries/{id}/redeliver"),
        .init("POST", "/api-keys", body: ["name": "matrix"]),
        .init("GET", "/api-keys"),
        .init("DELETE", "/api-keys/{id}", id: .apiKey),
    ]
}

extension APIClient {
    /// Sends a request, waiting out a 429 (Retry-After) a few times: the suites run beside others
    /// that share the loopback address's budget.
    func send(_ method: String, _ path: String, json: Any? = nil, headers: [(String, String)] = []) throws -> APIResponse {
        var response = try call(method, path, json: json, headers: headers)
        for _ in 0..<4 where response.status == 429 {
            let wait = min(10, max(1, Int(response.header("retry-after") ?? "1") ?? 1))
            sleep(UInt32(wait))
            response = try call(method, path, json: json, headers: headers)
        }
        return response
    }
}

extension APIResponse {
    /// The router's answer for a path it does not know.
    var isUnroutedEndpoint: Bool { status == 404 && json["message"] as? String == "No such endpoint" }
}

/// One parseable line per suite for docs/reliability.md (collected by scripts/reliability-figures).
enum Figures {
    static func report(_ suite: String, _ values: KeyValuePairs<String, Int>) {
        let text = values.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("SKANNR-FIGURES \(suite) \(text)")
    }
}
