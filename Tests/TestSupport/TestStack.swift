// The running stack that scripts/test started (nginx over HTTPS -> responder pool -> MariaDB),
// described by SKANNR_TEST_* variables. End-to-end suites are enabled only when it is there.

import Foundation
import HTTPClient
import MariaDB

public enum TestStack {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    public static var isAvailable: Bool { environment["SKANNR_TEST_BASE_URL"] != nil }

    /// `https://localhost:PORT/api/v1`
    public static var baseURL: String { environment["SKANNR_TEST_BASE_URL"] ?? "https://localhost:8443/api/v1" }
    /// `http://localhost:PORT` (plain HTTP listener that redirects).
    public static var plainURL: String { environment["SKANNR_TEST_HTTP_URL"] ?? "http://localhost:8080" }
    public static var caFile: String? { environment["SKANNR_TEST_CA"] }
    public static var runtimeDirectory: String { environment["SKANNR_TEST_STACK_DIR"] ?? "" }
    public static var projectDirectory: String { environment["SKANNR_TEST_PROJECT_DIR"] ?? FileManager.default.currentDirectoryPath }
    public static var binDirectory: String { environment["SKANNR_TEST_BIN_DIR"] ?? projectDirectory + "/.build/debug" }

    /// The application's database (the one the responders use), for checks with SQL.
    public static func appDatabase() throws -> Connection {
        guard var config = TestDatabase.config() else { throw MariaDBError.client("SKANNR_TEST_DB_SOCKET is not set") }
        config.database = environment["SKANNR_TEST_APP_DB"] ?? "skannr"
        return try Connection(config: config)
    }

    /// A setting of the running stack (its skannr.env), e.g. the webhook secret.
    public static func setting(_ key: String) -> String? {
        guard let path = environment["SKANNR_TEST_SETTINGS"], let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + "=") {
            return String(line.dropFirst(key.count + 1))
        }
        return nil
    }

    /// Runs `scripts/stackctl <runtime> <command>` (db-stop, db-start, pool-stop, ...).
    @discardableResult
    public static func control(_ command: String) throws -> String {
        try Shell.run(projectDirectory + "/scripts/stackctl", [runtimeDirectory, command])
    }
}

/// One API client: a keep-alive HTTPS connection to nginx plus an optional bearer token.
public final class APIClient {
    public var token: String?
    public var clientAddressHeader: String?
    private let http: HTTPClient

    public init(token: String? = nil, timeout: Duration = .seconds(20)) throws {
        self.token = token
        http = try HTTPClient(caFile: TestStack.caFile, verifyPeer: true, timeout: timeout)
    }

    /// Sends `body` (an Encodable-as-JSON dictionary or raw bytes) to a path below /api/v1.
    public func call(_ method: String, _ path: String, json: Any? = nil, raw: [UInt8]? = nil,
                     contentType: String? = nil, headers: [(String, String)] = []) throws -> APIResponse {
        var allHeaders = headers
        if let token { allHeaders.append(("Authorization", "Bearer \(token)")) }
        var body = raw
        if let json {
            body = Array(try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]))
        }
        if body != nil || contentType != nil {
            allHeaders.append(("Content-Type", contentType ?? "application/json"))
        }
        let response = try http.send(HTTPRequest(method: method, url: TestStack.baseURL + path, headers: allHeaders, body: body))
        return APIResponse(response)
    }

    public func get(_ path: String) throws -> APIResponse { try call("GET", path) }
    public func post(_ path: String, _ json: Any? = nil) throws -> APIResponse { try call("POST", path, json: json ?? [String: Any]()) }
    public func patch(_ path: String, _ json: Any) throws -> APIResponse { try call("PATCH", path, json: json) }
    public func delete(_ path: String, _ json: Any? = nil) throws -> APIResponse { try call("DELETE", path, json: json) }

    /// Any URL (outside the API or on the plain HTTP listener).
    public func raw(_ request: HTTPRequest) throws -> HTTPResponse { try http.send(request) }
}

public struct APIResponse: CustomStringConvertible {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    public let json: [String: Any]

    init(_ response: HTTPResponse) {
        status = response.status
        headers = response.headers
        body = response.body
        json = ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]) ?? [:]
    }

    public var code: String? { json["code"] as? String }
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
    public subscript(key: String) -> Any? { json[key] }
    public var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    public var description: String { "\(status) \(text.prefix(500))" }
}

public enum Shell {
    /// Runs a program and returns its standard output; throws with its output when it fails.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw ShellError(command: executable, status: process.terminationStatus, output: text) }
        return text
    }
}

public struct ShellError: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "\(command) exited \(status): \(output.suffix(2000))" }
}
