// Keeps RouteTable (the one list of endpoints, from which the router is built) and openapi.yaml
// in step, both ways: every route is described, every described operation is routed, and the open
// routes are exactly the operations with `security: []`. No second hand-written list: the end-to-end
// fixtures (ContractEndpoints) are derived from the same table.

import Foundation
@testable import SkannrAPI
import Testing

@Suite("OpenAPI description and route table in step")
struct OpenAPISyncTests {
    /// "METHOD /path/{id}" of every route the router is built with.
    static var routed: [String: Endpoint.Auth] {
        Dictionary(RouteTable.endpoints.map { ($0.operation, $0.auth) }, uniquingKeysWith: { first, _ in first })
    }

    @Test("the route table declares each operation once")
    func declaredOnce() {
        let operations = RouteTable.endpoints.map(\.operation)
        #expect(Set(operations).count == operations.count, "declared twice: \(operations.filter { op in operations.filter { $0 == op }.count > 1 })")
    }

    @Test("every route of the table is described in openapi.yaml")
    func everyRouteDescribed() throws {
        let described = Set(try OpenAPIFile.load().operations.keys)
        #expect(Set(Self.routed.keys).subtracting(described).sorted() == [], "routed but not in openapi.yaml")
    }

    @Test("every operation openapi.yaml describes is in the route table")
    func everyDescribedOperationRouted() throws {
        let described = Set(try OpenAPIFile.load().operations.keys)
        #expect(!described.isEmpty, "openapi.yaml was read")
        #expect(described.subtracting(Self.routed.keys).sorted() == [], "described but not routed")
    }

    @Test("open routes are exactly the operations described without security")
    func securityMatches() throws {
        let operations = try OpenAPIFile.load().operations
        let openInSpec = Set(operations.filter { !$0.value }.keys)
        let openInTable = Set(Self.routed.filter { $0.value == .open }.keys)
        #expect(openInSpec == openInTable, "`security: []` in openapi.yaml vs .open in the route table")
    }

    @Test("the router is built from the table: every endpoint matches its own route with its access")
    func routerFromTable() {
        let router = RouteTable.makeRouter()
        #expect(router.routes.count == RouteTable.endpoints.count)
        for endpoint in RouteTable.endpoints {
            let path = endpoint.path.split(separator: "/").map { $0.hasPrefix(":") ? "7" : String($0) }.joined(separator: "/")
            guard case .found(let route, _) = router.match(method: endpoint.method, path: "/" + path) else {
                Issue.record("\(endpoint.operation) is not routed to itself")
                continue
            }
            #expect(route.pattern == endpoint.path && (route.access == .open) == (endpoint.auth == .open), "\(endpoint.operation)")
            #expect(route.keysAllowed == (endpoint.auth != .signIn), "\(endpoint.operation)")
        }
    }

    @Test("every route with a path parameter names what it identifies")
    func parametersNamed() {
        for endpoint in RouteTable.endpoints {
            #expect(endpoint.path.contains(":") == (endpoint.resource != nil), "\(endpoint.operation)")
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
