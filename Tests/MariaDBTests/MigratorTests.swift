// Migrator applies NNNN_name.sql files once each, in order, under a lock, and refuses edited files.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Splitting migration files")
struct MigrationFileTests {
    @Test("statements end at a line ending in ';' and comment lines are dropped")
    func split() {
        let sql = """
            -- create things
            CREATE TABLE a (
              id INT -- trailing comments stay
            );

            INSERT INTO a VALUES (1);  
            -- the end
            SELECT 1
            """
        #expect(MigrationFile.statements(in: sql) == [
            "CREATE TABLE a (\nid INT -- trailing comments stay\n)", "INSERT INTO a VALUES (1)", "SELECT 1",
        ])
        #expect(MigrationFile.statements(in: "-- nothing\n\n").isEmpty)
    }

    @Test("files not named NNNN_name.sql are refused")
    func badName() throws {
        let dir = try MigrationDirectory(["init.sql": "SELECT 1;"])
        let error = #expect(throws: MigrationError.self) { try MigrationFile.load(from: dir.url) }
        #expect(error?.code == .invalidFileName)
    }
}

@Suite("Migrator", .needsDatabase)
struct MigratorTests {
    let config: MariaDBConfig
    let db: Connection
    let files = [
        "0001_users.sql": "-- users\nCREATE TABLE IF NOT EXISTS users (\n  id BIGINT PRIMARY KEY,\n  email VARCHAR(100) NOT NULL\n);\n",
        "0002_seed.sql": "DO SLEEP(0.3);\nINSERT INTO users VALUES (1, 'a@example.com');\nINSERT INTO users VALUES (2, 'b@example.com');\n",
        "0010_targets.sql": "CREATE TABLE IF NOT EXISTS targets (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL,\n FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE);\nCREATE INDEX targets_user ON targets (user_id);\n",
        "README.md": "not a migration",
    ]

    init() throws {
        config = try TestDatabase.freshDatabase(named: "migrate")
        db = try Connection(config: config)
    }

    @Test("an empty database gets every file in numeric order, recorded with checksums")
    func emptyDatabase() throws {
        let dir = try MigrationDirectory(files)
        let applied = try Migrator(connection: db, directory: dir.url).migrate()
        #expect(applied == ["0001_users.sql", "0002_seed.sql", "0010_targets.sql"])
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM users")?.int("n") == 2)
        let records = try db.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        #expect(try records.map { try $0.int("version") } == [1, 2, 10])
        #expect(try records.map { try $0.string("name") } == ["users", "seed", "targets"])
        #expect(try records.allSatisfy { try $0.string("checksum").count == 64 })
    }

    @Test("a second run applies nothing, and a new file is applied alone")
    func secondRun() throws {
        let dir = try MigrationDirectory(files)
        _ = try Migrator(connection: db, directory: dir.url).migrate()
        #expect(try Migrator(connection: db, directory: dir.url).migrate().isEmpty)
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM users")?.int("n") == 2)
        try dir.write("0011_more.sql", "ALTER TABLE users ADD COLUMN name VARCHAR(50) NULL;")
        #expect(try Migrator(connection: db, directory: dir.url).migrate() == ["0011_more.sql"])
    }

    @Test("two migrators at once on two threads apply each file exactly once")
    func concurrent() throws {
        let dir = try MigrationDirectory(files)
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            let config = config, url = dir.url
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = try Connection(config: config)
                    results.add(.success(try Migrator(connection: connection, directory: url).migrate()))
                } catch {
                    results.add(.failure(error))
                }
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        let applied = try results.all.flatMap { try $0.get() }
        #expect(applied.sorted() == ["0001_users.sql", "0002_seed.sql", "0010_targets.sql"])
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM users")?.int("n") == 2)
        #expect(try db.queryOne("SELECT COUNT(*) AS n FROM schema_migrations")?.int("n") == 3)
    }

    @Test("editing an applied file is detected as a checksum mismatch")
    func checksumMismatch() throws {
        let dir = try MigrationDirectory(files)
        _ = try Migrator(connection: db, directory: dir.url).migrate()
        try dir.write("0002_seed.sql", files["0002_seed.sql", default: ""] + "-- edited\n")
        let error = #expect(throws: MigrationError.self) { try Migrator(connection: db, directory: dir.url).migrate() }
        #expect(error?.code == .checksumMismatch)
        #expect(error?.message.contains("0002_seed.sql") == true)
    }

    @Test("a failing file is not recorded and runs again once fixed")
    func failingFile() throws {
        let dir = try MigrationDirectory(["0001_bad.sql": "CREATE TABLE IF NOT EXISTS x (id INT PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n"])
        let error = #expect(throws: MigrationError.self) { try Migrator(connection: db, directory: dir.url).migrate() }
        #expect(error?.code == .statementFailed)
        #expect(error?.underlying?.code == 1146)
        #expect(try db.query("SELECT version FROM schema_migrations").isEmpty)
        try dir.write("0001_bad.sql", "CREATE TABLE IF NOT EXISTS x (id INT PRIMARY KEY);\nINSERT INTO x VALUES (1);\n")
        #expect(try Migrator(connection: db, directory: dir.url).migrate() == ["0001_bad.sql"])
    }
}

/// A temporary directory of migration files, removed when the test ends.
struct MigrationDirectory: ~Copyable {
    let url: URL

    init(_ files: [String: String]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("skannr-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, contents) in files { try write(name, contents) }
    }

    func write(_ name: String, _ contents: String) throws {
        try Data(contents.utf8).write(to: url.appendingPathComponent(name))
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Results collected from threads.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<[String], any Error>] = []
    func add(_ item: Result<[String], any Error>) { lock.withLock { items.append(item) } }
    var all: [Result<[String], any Error>] { lock.withLock { items } }
}

@Suite("TestDatabase", .needsDatabase)
struct TestDatabaseTests {
    @Test("fresh databases are distinct, empty and utf8mb4")
    func fresh() throws {
        let a = try TestDatabase.freshDatabase(named: "Fresh-Check!")
        let b = try TestDatabase.freshDatabase(named: "Fresh-Check!")
        #expect(a.database != b.database)
        #expect(a.database.hasPrefix("freshcheck_"))
        let db = try Connection(config: a)
        #expect(try db.query("SHOW TABLES").isEmpty)
        #expect(try db.queryOne("SELECT @@character_set_database AS cs")?.string("cs") == "utf8mb4")
        try TestDatabase.drop(b)
        #expect(throws: MariaDBError.self) { _ = try Connection(config: b) }
    }
}
