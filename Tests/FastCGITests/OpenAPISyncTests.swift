// Keeps the router, openapi.yaml and the contract's endpoint list in step: every route is
// described, every described operation is routed, open routes are the ones without security.
// Trap: an API area still on its branch has no routes yet; its absence is a known issue only
// while NONE of that area's routes exist, so a half-registered area fails at once.

import Foundation
import SkannrAPI
import Testing

@Suite("OpenAPI description and router in step")
struct OpenAPISyncTests {
    /// Every endpoint of /work/shared/api-contract.md (the binding list), paths relative to /api/v1.
    static let contract: Set<String> = [
        "GET /health",
        "POST /auth/register", "POST /auth/login", "POST /auth/token/refresh", "POST /auth/logout", "GET /auth/me",
        "POST /auth/mfa/setup", "POST /auth/mfa/enable", "DELETE /auth/mfa",
        "POST /auth/logout-all", "POST /auth/password",
        "GET /targets", "POST /targets", "GET /targets/{id}", "PATCH /targets/{id}", "DELETE /targets/{id}",
        "GET /scans", "GET /scans/{id}", "GET /scans/{id}/results", "GET /scans/{id}/summary",
        "POST /targets/{id}/scan", "POST /scans/trigger-all", "POST /scans/{id}/cancel",
        "GET /alerts", "POST /alerts/{id}/acknowledge", "POST /alerts/{id}/resolve",
        "GET /billing/status", "POST /billing/checkout", "POST /billing/portal", "POST /billing/change-plan",
        "POST /billing/webhook",
        "GET /score", "GET /streak", "GET /achievements",
        "GET /notifications/channels", "POST /notifications/channels", "PATCH /notifications/channels/{id}",
        "DELETE /notifications/channels/{id}", "POST /notifications/channels/{id}/test",
        "GET /notifications/deliveries", "POST /notifications/deliveries/{id}/redeliver",
        "POST /api-keys", "GET /api-keys", "DELETE /api-keys/{id}", "GET /scans/{id}/diff", "POST /alerts/{id}/accept",
    ]

    /// Endpoints that need no bearer token (the contract's list).
    static let open: Set<String> = [
        "GET /health", "POST /auth/register", "POST /auth/login", "POST /auth/token/refresh", "POST /billing/webhook",
    ]

    /// The API areas, by the first path segment(s) their routes share; used to tell "not merged" from "missing".
    static func area(of operation: String) -> String {
        let path = operation.split(separator: " ")[1]
        let first = path.split(separator: "/").first.map(String.init) ?? ""
        switch first {
        case "score", "streak", "achievements", "alerts": return "alerts-and-score"
        case "scans": return "targets"
        default: return first
        }
    }

    static var routed: [String: Router.Access] {
        var table: [String: Router.Access] = [:]
        for route in Routes.makeRouter().routes {
            let path = route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            table["\(route.method) /" + path.joined(separator: "/")] = route.access
        }
        return table
    }

    @Test("openapi.yaml describes exactly the contract's endpoints")
    func describedIsContract() throws {
        let described = Set(try OpenAPIFile.load().operations.keys)
        #expect(described.subtracting(Self.contract).sorted() == [], "described but not in the contract")
        #expect(Self.contract.subtracting(described).sorted() == [], "in the contract but not described")
    }

    @Test("every route of the router is described and in the contract")
    func everyRouteDescribed() throws {
        let described = Set(try OpenAPIFile.load().operations.keys)
        let routes = Set(Self.routed.keys)
        #expect(routes.subtracting(described).sorted() == [], "routed but not in openapi.yaml")
        #expect(routes.subtracting(Self.contract).sorted() == [], "routed but not in the contract")
    }

    @Test("open routes are exactly the operations described without security")
    func securityMatches() throws {
        let operations = try OpenAPIFile.load().operations
        #expect(Set(operations.filter { !$0.value }.keys) == Self.open, "operations with `security: []`")
        for (operation, access) in Self.routed {
            #expect((access == .open) == Self.open.contains(operation), "\(operation) is \(access) in the router")
        }
    }

    @Test("every described operation is routed (areas still on their branches are a known issue)")
    func everyDescribedOperationRouted() throws {
        let described = Set(try OpenAPIFile.load().operations.keys)
        let routes = Set(Self.routed.keys)
        let routedAreas = Set(routes.map(Self.area))
        let missing = described.subtracting(routes)
        let broken = missing.filter { routedAreas.contains(Self.area(of: $0)) }
        #expect(broken.sorted() == [], "an area that is registered lacks these routes")
        let notMerged = missing.subtracting(broken)
        // Turns green by itself once every area's branch is merged (intermittent: not occurring is fine).
        withKnownIssue("API areas not merged yet: \(Set(notMerged.map(Self.area)).sorted())", isIntermittent: true) {
            #expect(notMerged.sorted() == [], "described and in the contract but not routed yet")
        }
    }

    @Test("the minimal YAML reader finds paths, methods and security overrides")
    func readerWorks() throws {
        let text = """
            openapi: 3.1.0
            paths:
              /a/{id}:
                parameters:
                  - $ref: x
                get:
                  security: []
                  responses: {}
                delete:
                  responses: {}
            components:
              schemas:
                post:
                  type: object
            """
        let file = OpenAPIFile(text: text)
        #expect(file.operations == ["GET /a/{id}": false, "DELETE /a/{id}": true])
    }
}

/// Reads just enough of openapi.yaml: path keys (2 spaces), method keys (4 spaces) and a
/// `security: []` line (6 spaces) under an operation. Not a YAML parser; the file keeps that layout.
struct OpenAPIFile {
    /// "METHOD /path" -> whether the operation needs a bearer token.
    let operations: [String: Bool]

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]

    static func load() throws -> OpenAPIFile {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return OpenAPIFile(text: try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8))
    }

    init(text: String) {
        var operations: [String: Bool] = [:]
        var inPaths = false
        var path: String?
        var current: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.trimmingCharacters(in: .whitespaces).hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            let content = line.trimmingCharacters(in: .whitespaces)
            if indent == 0 {
                inPaths = content == "paths:"
                path = nil
                current = nil
                continue
            }
            guard inPaths else { continue }
            if indent == 2, content.hasPrefix("/"), content.hasSuffix(":") {
                path = String(content.dropLast())
                current = nil
            } else if indent == 4, let path, content.hasSuffix(":"), Self.methods.contains(String(content.dropLast())) {
                let operation = "\(content.dropLast().uppercased()) \(path)"
                operations[operation] = true
                current = operation
            } else if indent == 4 {
                current = nil
            } else if indent == 6, let current, content == "security: []" {
                operations[current] = false
            }
        }
        self.operations = operations
    }
}
