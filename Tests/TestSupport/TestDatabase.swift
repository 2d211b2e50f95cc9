// Throwaway MariaDB databases for tests. Reads SKANNR_TEST_DB_SOCKET (unset = DB tests are skipped),
// SKANNR_TEST_DB_USER (default root), SKANNR_TEST_DB_PASSWORD (default empty). Each freshDatabase
// has a random suffix, so tests running in parallel never share one.
import Foundation
import MariaDB

public enum TestDatabase {
    /// Use as `.needsDatabase` on suites that need the server.
    public static var isAvailable: Bool { config() != nil }

    /// The server, with no database selected; nil when SKANNR_TEST_DB_SOCKET is unset.
    public static func config() -> MariaDBConfig? {
        let environment = ProcessInfo.processInfo.environment
        guard let socket = environment["SKANNR_TEST_DB_SOCKET"], !socket.isEmpty else { return nil }
        return MariaDBConfig(
            unixSocket: socket,
            user: environment["SKANNR_TEST_DB_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "root",
            password: environment["SKANNR_TEST_DB_PASSWORD"] ?? "",
            database: "")
    }

    /// Creates an empty utf8mb4 database `<prefix>_<random>` and returns a config that selects it.
    public static func freshDatabase(named prefix: String) throws -> MariaDBConfig {
        guard var config = config() else { throw MariaDBError.client("SKANNR_TEST_DB_SOCKET is not set") }
        let safePrefix = String(prefix.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }.prefix(40))
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let name = "\(safePrefix.isEmpty ? "test" : safePrefix)_\(suffix)"
        let admin = try Connection(config: config)
        try admin.execute("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        config.database = name
        return config
    }

    /// The repository's sql/migrations directory (found from this file's path).
    public static var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sql/migrations")
    }

    /// A fresh database with every migration in sql/migrations applied.
    public static func migratedDatabase(named prefix: String) throws -> MariaDBConfig {
        let config = try freshDatabase(named: prefix)
        _ = try Migrator(connection: Connection(config: config), directory: migrationsDirectory).migrate()
        return config
    }

    /// Drops a database made by freshDatabase (optional: the test server is thrown away anyway).
    public static func drop(_ config: MariaDBConfig) throws {
        guard var server = Self.config(), !config.database.isEmpty else { return }
        server.database = ""
        try Connection(config: server).execute("DROP DATABASE IF EXISTS `\(config.database)`")
    }
}
