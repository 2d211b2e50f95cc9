// The API's endpoints for the end-to-end hardening suites (authorization matrix, hostile input),
// derived from SkannrAPI's RouteTable (the list the router is built from, checked against
// openapi.yaml by OpenAPISyncTests): what kind of id its path takes comes from the table; only a
// small valid body per write endpoint is kept here. An answer of 404 "No such endpoint" from one of
// them is a failure (isUnroutedEndpoint).
import Foundation
import SkannrAPI
import Testing
import TestSupport

struct ContractEndpoint: CustomStringConvertible, Sendable {
    enum IDKind: String, Sendable { case target, scan, alert, apiKey, channel, delivery }

    let method: String
    /// Path below /api/v1 with `{id}` for the path parameter.
    let path: String
    let open: Bool
    let idKind: IDKind?
    /// A body that passes validation (nil: no body).
    let body: [String: any Sendable]?

    init(_ endpoint: Endpoint) {
        method = endpoint.method
        path = endpoint.openAPIPath
        open = endpoint.auth == .open
        idKind = endpoint.resource.map(Self.kind)
        body = Self.bodies["\(endpoint.method) \(endpoint.openAPIPath)"]
    }

    static func kind(_ resource: Resource) -> IDKind {
        switch resource {
        case .target: .target
        case .scan: .scan
        case .alert: .alert
        case .apiKey: .apiKey
        case .channel: .channel
        case .delivery: .delivery
        }
    }

    var description: String { "\(method) \(path)" }

    func path(id: Int64) -> String { path.replacingOccurrences(of: "{id}", with: String(id)) }

    /// Every endpoint of the route table.
    static let all: [ContractEndpoint] = RouteTable.endpoints.map(ContractEndpoint.init)

    /// A small valid body for each endpoint that reads one (the others get none).
    static let bodies: [String: [String: any Sendable]] = [
        "POST /auth/register": ["name": "X", "email": "x@example.test", "password": "0123456789ab"],
        "POST /auth/login": ["email": "x@example.test", "password": "0123456789ab"],
        "POST /auth/token/refresh": ["refresh_token": "rt_x"],
        "POST /auth/logout": ["refresh_token": "rt_x"],
        "POST /auth/mfa/enable": ["code": "123456"],
        "DELETE /auth/mfa": ["password": "0123456789ab", "code": "123456"],
        "POST /auth/password": ["current_password": "0123456789ab", "new_password": "0123456789abcd"],
        "POST /targets": ["address": "10.77.0.1"],
        "PATCH /targets/{id}": ["label": "changed by another account", "enabled": false],
        "POST /alerts/{id}/accept": ["note": "accepted by another account"],
        "POST /billing/checkout": ["plan": "pro"],
        "POST /billing/change-plan": ["plan": "pro"],
        "POST /billing/webhook": ["id": "evt_x", "type": "ping"],
        "POST /notifications/channels": ["type": "email", "email": "ops@example.com"],
        "PATCH /notifications/channels/{id}": ["enabled": false],
        "POST /api-keys": ["name": "matrix"],
    ]
}

extension APIClient {
    /// Sends a request, waiting out a 429 (Retry-After) a few times: the suites run beside others
    /// that share the loopback address's budget.
    func send(_ method: String, _ path: String, json: Any? = nil, headers: [(String, String)] = []) throws -> TestSupport.APIResponse {
        var response = try call(method, path, json: json, headers: headers)
        for _ in 0..<4 where response.status == 429 {
            let wait = min(10, max(1, Int(response.header("retry-after") ?? "1") ?? 1))
            sleep(UInt32(wait))
            response = try call(method, path, json: json, headers: headers)
        }
        return response
    }
}

extension TestSupport.APIResponse {
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
