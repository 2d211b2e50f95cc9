// Issue 16 #7 and #8 on the running test stack (made by scripts/lib/stack.sh, like scripts/up's):
// another local user (`nobody`) can neither speak FastCGI to the pool nor log in to MariaDB, the
// FastCGI socket is 0660, the runtime folder is closed to others, and no MariaDB account has an
// empty password. Needs root (to become nobody with setpriv); skipped otherwise.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Least privilege of the local stack (issue 16)", .needsStack)
struct LeastPrivilegeTests {
    static var runtime: String { TestStack.runtimeDirectory }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Runs `arguments` as the unprivileged `nobody` (no supplementary groups); its exit status.
    static func asNobody(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try Shell.execute("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups"] + arguments, timeout: 30)
    }

    static var canBecomeNobody: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }
    static var cannotBecomeNobody: String? { canBecomeNobody ? nil : "needs root and /usr/bin/setpriv to act as another local user" }

    @Test("the FastCGI socket is 0660 and the runtime folder gives others nothing")
    func socketAndFolderModes() throws {
        let socket = try #require(Self.mode(Self.runtime + "/api.sock"))
        #expect(socket == 0o660, "api.sock mode \(String(socket, radix: 8))")
        let folder = try #require(Self.mode(Self.runtime))
        #expect(folder & 0o007 == 0, "runtime folder mode \(String(folder, radix: 8))")
    }

    @Test("another local user cannot connect to the FastCGI socket (no forged REMOTE_ADDR, no /metrics)", .needs(cannotBecomeNobody))
    func nobodyCannotSpeakFastCGI() throws {
        let connect = "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print('connected')"
        let result = try Self.asNobody(["/usr/bin/python3", "-c", connect, Self.runtime + "/api.sock"])
        #expect(result.status != 0 && !result.output.contains("connected"), "nobody: \(result.output)")
    }

    @Test("another local user cannot log in to MariaDB as root with an empty password", .needs(cannotBecomeNobody))
    func nobodyCannotReadTheDatabase() throws {
        let result = try Self.asNobody(["/usr/bin/mariadb", "--no-defaults", "-S", Self.runtime + "/mysql.sock", "-uroot",
                                        "--password=", "-N", "-e", "SELECT COUNT(*) FROM skannr.users"])
        #expect(result.status != 0, "nobody read skannr.users: \(result.output)")
    }

    /// A connection to the stack's database as `user` with `password`.
    static func connect(_ user: String, _ password: String) throws -> Connection {
        var config = try #require(TestDatabase.config())
        config.user = user
        config.password = password
        config.database = TestStack.setting("SKANNR_DB_NAME") ?? "skannr"
        return try Connection(config: config)
    }

    /// A value of the runtime folder's db-passwords file (the runner's and the migrations' users).
    static func databasePassword(_ key: String) -> String? {
        guard let text = try? String(contentsOfFile: runtime + "/db-passwords", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    @Test("the API's database user changes rows but no schema (migrations have a user of their own)")
    func apiUserHasNoDDL() throws {
        let api = try Self.connect(try #require(TestStack.setting("SKANNR_DB_USER")), try #require(TestStack.setting("SKANNR_DB_PASSWORD")))
        #expect(try api.queryOne("SELECT COUNT(*) AS n FROM users") != nil)
        #expect(throws: (any Error).self, "CREATE TABLE") { try api.execute("CREATE TABLE security_probe (id INT)") }
        #expect(throws: (any Error).self, "DROP TABLE") { try api.execute("DROP TABLE login_throttle") }
        #expect(throws: (any Error).self, "ALTER TABLE") { try api.execute("ALTER TABLE users ADD COLUMN probe INT") }
    }

    @Test("the scan-runner's database user cannot read password hashes, MFA secrets, refresh tokens or Stripe data")
    func scannerUserSeesNoSecrets() throws {
        let scanner = try Self.connect("skannr_scanner", try #require(Self.databasePassword("SCANNER_DB_PASSWORD")))
        _ = try scanner.queryOne("SELECT id, plan FROM users LIMIT 1")   // what a plan check needs is readable
        for query in ["SELECT password_hash FROM users LIMIT 1", "SELECT mfa_secret FROM users LIMIT 1",
                      "SELECT token_hash FROM refresh_tokens LIMIT 1", "SELECT code_hash FROM mfa_recovery_codes LIMIT 1",
                      "SELECT stripe_customer_id FROM subscriptions LIMIT 1", "SELECT * FROM login_throttle LIMIT 1",
                      "DELETE FROM users WHERE id = 0", "CREATE TABLE security_probe (id INT)"] {
            #expect(throws: (any Error).self, "\(query)") { try scanner.execute(query) }
        }
    }

    @Test("the scan-runner runs with settings that hold no JWT, MFA or Stripe secret")
    func scannerSettingsHoldNoSecrets() throws {
        if !FileManager.default.fileExists(atPath: Self.runtime + "/scanner.env") {
            // The suites that run without the live scan-runner: make its settings as start_scanner does.
            try Shell.run("/bin/bash", ["-c", "source '\(TestStack.projectDirectory)/scripts/lib/stack.sh'; RT='\(Self.runtime)'; write_scanner_settings"])
        }
        let settings = try String(contentsOfFile: Self.runtime + "/scanner.env", encoding: .utf8)
        for key in ["SKANNR_JWT_KEYS=", "SKANNR_MFA_KEY=", "SKANNR_STRIPE_", "SKANNR_DB_USER=skannr\n"] {
            #expect(!settings.contains(key), "scanner.env holds \(key)")
        }
        #expect(settings.contains("SKANNR_DB_USER=skannr_scanner"))
        guard let pidText = try? String(contentsOfFile: Self.runtime + "/scanner.pid", encoding: .utf8) else { return }
        let pid = pidText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(kill(pid_t(pid) ?? 0, 0) == 0, "the scan-runner is running with them")
        let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        #expect(commandLine.contains("scanner.env"), "\(commandLine)")
    }

    @Test("no MariaDB account of the stack has an empty password or is anonymous")
    func noEmptyPasswords() throws {
        let database = try TestStack.appDatabase()
        let row = try database.queryOne("""
            SELECT COUNT(*) AS n FROM mysql.user WHERE User = ''
               OR (plugin IN ('', 'mysql_native_password') AND authentication_string = '' AND User <> 'mariadb.sys')
            """)
        #expect(try row?.int("n") == 0)
    }
}
