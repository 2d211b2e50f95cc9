// Owns one MYSQL* from mysql_init to mysql_close: options, connect, session settings (UTC, strict mode).
// Traps: mysql_library_init is a macro, so mysql_server_init runs once via a lazy global; no MYSQL_OPT_RECONNECT.
internal import CMariaDB

/// Swift runs a global's initializer once, thread-safely, on first use.
private let libraryInitialized: Bool = mysql_server_init(0, nil, nil) == 0

final class ConnectionHandle {
    let mysql: UnsafeMutablePointer<MYSQL>

    static let sessionSetup = """
        SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,\
        ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY'
        """

    init(config: MariaDBConfig) throws(MariaDBError) {
        guard libraryInitialized else { throw .client("mysql_server_init failed") }
        guard let mysql = mysql_init(nil) else { throw .client("mysql_init failed (out of memory)") }
        var connectTimeout = config.connectTimeoutSeconds
        var readTimeout = config.readTimeoutSeconds
        var writeTimeout = config.writeTimeoutSeconds
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &readTimeout)
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout)
        _ = "utf8mb4".withCString { mysql_options(mysql, MYSQL_SET_CHARSET_NAME, $0) }

        // CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, so "0 rows" means "not found".
        let connected = withOptionalCString(config.unixSocket) { socket in
            withOptionalCString(config.database.isEmpty ? nil : config.database) { database in
                mysql_real_connect(
                    mysql, config.host, config.user, config.password, database, config.port, socket,
                    UInt(CLIENT_FOUND_ROWS))
            }
        }
        guard connected != nil else {
            let error = MariaDBError(mysql: mysql)
            mysql_close(mysql)
            throw error
        }
        self.mysql = mysql
        try runSessionSetup()
    }

    deinit { mysql_close(mysql) }

    /// Server thread id (CONNECTION_ID()).
    var threadID: UInt { mysql_thread_id(mysql) }

    func ping() -> Bool { mysql_ping(mysql) == 0 }

    private func runSessionSetup() throws(MariaDBError) {
        let statement = try PreparedStatement(handle: self, sql: Self.sessionSetup)
        _ = try statement.execute([])
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
