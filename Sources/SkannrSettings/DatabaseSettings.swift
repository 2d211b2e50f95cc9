// The database connection (SKANNR_DB_*), parsed and validated once for every executable: the API,
// the scan-runner and the notifier read the same keys with the same rules. Only the I/O timeouts'
// defaults differ by role (a responder answers in seconds, a runner writes a whole scan back).
// Trap: the password never appears in a description or an error (only the key names do).
public struct DatabaseSettings: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var unixSocket: String?
    public var user: String
    public var password: String
    public var name: String
    public var connectTimeoutSeconds: Int
    public var readTimeoutSeconds: Int
    public var writeTimeoutSeconds: Int

    /// Default read/write timeouts: `responder` 10 s (a request waits on it), `runner` 30 s.
    public enum Role: Sendable {
        case responder, runner
        var ioTimeoutSeconds: Int { self == .responder ? 10 : 30 }
    }

    public init(settings: Settings, role: Role) throws(SettingsError) {
        host = settings.string("SKANNR_DB_HOST", default: "localhost")
        port = try settings.int("SKANNR_DB_PORT", default: 3306, in: 1...65535)
        unixSocket = settings.nonEmpty("SKANNR_DB_SOCKET")
        user = settings.string("SKANNR_DB_USER", default: "skannr")
        password = try settings.secret("SKANNR_DB_PASSWORD") ?? ""
        name = settings.string("SKANNR_DB_NAME", default: "skannr")
        connectTimeoutSeconds = try settings.int("SKANNR_DB_CONNECT_TIMEOUT", default: 2, in: 1...3600)
        readTimeoutSeconds = try settings.int("SKANNR_DB_READ_TIMEOUT", default: role.ioTimeoutSeconds, in: 1...3600)
        writeTimeoutSeconds = try settings.int("SKANNR_DB_WRITE_TIMEOUT", default: role.ioTimeoutSeconds, in: 1...3600)
    }

    public var description: String {
        let endpoint = unixSocket.map { "socket \($0)" } ?? "\(host):\(port)"
        return "DatabaseSettings(\(user)@\(endpoint)/\(name), password: \(password.isEmpty ? "none" : "set"))"
    }
}
