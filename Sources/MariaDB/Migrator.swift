// Applies sql/migrations files in version order, each once, recorded in schema_migrations with a
// SHA-256 (computed by the server's SHA2) so an edited applied file is an error. GET_LOCK serialises
// concurrent migrators on one database. DDL autocommits: a file that fails halfway is not recorded
// and re-runs from its start next time, so write migrations idempotently (IF NOT EXISTS).
import Foundation

public struct Migrator {
    public let connection: Connection
    public let directory: URL
    /// Seconds to wait for another migrator's lock.
    public var lockTimeoutSeconds: Int64 = 60

    public init(connection: Connection, directory: URL) {
        self.connection = connection
        self.directory = directory
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INT NOT NULL PRIMARY KEY,
            name VARCHAR(255) NOT NULL,
            checksum CHAR(64) NOT NULL,
            applied_at DATETIME(6) NOT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """
    /// One lock per database, so migrating two databases on one server never waits on each other.
    static let lockName = "LEFT(CONCAT('skannr_migrate:', IFNULL(DATABASE(), '')), 64)"

    /// Applies what is missing; returns the file names applied by this call (empty when up to date).
    public func migrate() throws -> [String] {
        let files = try MigrationFile.load(from: directory)
        let acquired = try connection.queryOne("SELECT GET_LOCK(\(Self.lockName), ?) AS acquired", [.int(lockTimeoutSeconds)])
        guard try acquired?.optionalInt("acquired") == 1 else {
            throw MigrationError(.lockTimeout, "another migrator held the lock for \(lockTimeoutSeconds) s")
        }
        defer { _ = try? connection.query("SELECT RELEASE_LOCK(\(Self.lockName)) AS released") }

        try connection.execute(Self.createTable)
        var applied: [Int64: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migrations") {
            applied[try row.int("version")] = try row.string("checksum")
        }
        var appliedNow: [String] = []
        for file in files {
            let checksum = try checksum(of: file)
            if let recorded = applied[Int64(file.version)] {
                guard recorded == checksum else {
                    throw MigrationError(
                        .checksumMismatch, "\(file.fileName) changed after it was applied (never edit an applied migration)")
                }
                continue
            }
            try apply(file, checksum: checksum)
            appliedNow.append(file.fileName)
        }
        return appliedNow
    }

    private func apply(_ file: MigrationFile, checksum: String) throws {
        for (index, statement) in file.statements.enumerated() {
            do {
                try connection.execute(statement)
            } catch {
                throw MigrationError(
                    .statementFailed, "\(file.fileName) statement \(index + 1): \(error.message)", underlying: error)
            }
        }
        try connection.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
            [.int(Int64(file.version)), .text(file.name), .text(checksum), .date(Date())])
    }

    private func checksum(of file: MigrationFile) throws -> String {
        let row = try connection.queryOne("SELECT SHA2(?, 256) AS checksum", [.blob(file.contents)])
        guard let row else { throw MariaDBError.client("SHA2 returned no row") }
        return try row.string("checksum")
    }
}
