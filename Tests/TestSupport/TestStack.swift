// The running stack that scripts/test started (nginx over HTTPS -> responder pool -> MariaDB),
// described by SKANNR_TEST_* variables. End-to-end suites are enabled only when it is there.

import Foundation
import Glibc
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
    /// Runs a program and returns its output (stdout and stderr); throws with it when it fails.
    /// posix_spawn + waitpid rather than Foundation.Process, whose exit monitoring can miss a
    /// child inside the test runner; the child gets an empty signal mask, so SIGTERM works on it.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let result = try execute(executable, arguments, environment: environment)
        guard result.status == 0 else { throw ShellError(command: executable, status: result.status, output: result.output) }
        return result.output
    }

    /// Runs a program to completion (SIGKILL after `timeout` seconds) with optional standard input;
    /// returns its exit status (128 + signal when killed) and its output.
    public static func execute(_ executable: String, _ arguments: [String], input: String? = nil, timeout: Double = 120,
                               environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "skannr-shell-\(UUID().uuidString)"
        let inputPath = outputPath + ".in"
        defer { unlink(outputPath); unlink(inputPath) }
        if let input { try input.write(toFile: inputPath, atomically: false, encoding: .utf8) }
        let pid = try spawn(executable, arguments, outputPath: outputPath, inputPath: input == nil ? nil : inputPath,
                            environment: environment)
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { break }
            if Date() >= deadline { kill(pid, SIGKILL) }
            usleep(5_000)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exited, output)
    }

    /// Starts a program with stdin from `inputPath` (or /dev/null) and stdout+stderr to `outputPath`
    /// (or /dev/null), every signal unblocked and at its default action; returns its pid (the
    /// caller reaps it). A bare program name is looked up on PATH.
    public static func spawn(_ executable: String, _ arguments: [String], outputPath: String?, inputPath: String? = nil,
                             environment: [String: String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = ProcessInfo.processInfo.environment.merging(environment ?? [:]) { $1 }.map { "\($0)=\($1)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw ShellError(command: executable, status: -1, output: String(cString: strerror(spawned))) }
        return pid
    }
}

/// A program running in the background until `kill()` (SIGKILL and reap; idempotent enough).
public final class BackgroundProcess {
    public let pid: pid_t
    public let logPath: String

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        logPath = NSTemporaryDirectory() + "skannr-bg-\(UUID().uuidString).log"
        pid = try Shell.spawn(executable, arguments, outputPath: logPath, environment: environment)
    }

    /// Waits up to `timeout` seconds for the program to exit; its exit status (128 + signal when a
    /// signal ended it), or nil if it is still running.
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while !reaped {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                reaped = true
                unlink(logPath)
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            if result < 0 && errno != EINTR || Date() >= deadline { return nil }
            usleep(10_000)
        }
        return nil
    }

    /// True while the program has not exited (reaps it when it has).
    public var isRunning: Bool {
        guard !reaped else { return false }
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    private var reaped = false

    /// SIGKILL and reap; later calls do nothing (the pid may belong to someone else by then).
    public func kill() {
        guard !reaped else { return }
        reaped = true
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        unlink(logPath)
    }
}

public struct ShellError: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "\(command) exited \(status): \(output.suffix(2000))" }
}
