// Where and how to connect. `unixSocket` wins over host/port when set; an empty `database`
// connects without selecting one (used to CREATE DATABASE). Timeouts are whole seconds.
// Trap: libmariadb treats host "localhost" as "the default unix socket"; use "127.0.0.1" for TCP.
public struct MariaDBConfig: Sendable, Equatable {
    public var host: String
    public var port: UInt32
    public var unixSocket: String?
    public var user: String
    public var password: String
    public var database: String
    /// How long to wait for the server when (re)connecting; a down server fails this fast (-> 503).
    public var connectTimeoutSeconds: UInt32
    public var readTimeoutSeconds: UInt32
    public var writeTimeoutSeconds: UInt32

    public init(
        host: String = "localhost", port: UInt32 = 3306, unixSocket: String? = nil,
        user: String, password: String = "", database: String,
        connectTimeoutSeconds: UInt32 = 2, readTimeoutSeconds: UInt32 = 30, writeTimeoutSeconds: UInt32 = 30
    ) {
        self.host = host
        self.port = port
        self.unixSocket = unixSocket
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.writeTimeoutSeconds = writeTimeoutSeconds
    }
}
