// Issue 16 #7 and #8 on the running test stack (made by scripts/lib/stack.sh, like scripts/up's):
// another local user (`nobody`) can neither speak FastCGI to the pool nor log in to MariaDB, the
// FastCGI socket is 0660, the runtime folder is closed to others, and no MariaDB account has an
// empty password. Needs root (to become nobody with setpriv); skipped otherwise.
import Foundation
import Testing
import TestSupport

@Suite("Least privilege of the local stack (issue 16)", .enabled(if: TestStack.isAvailable))
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

    @Test("the FastCGI socket is 0660 and the runtime folder gives others nothing")
    func socketAndFolderModes() throws {
        let socket = try #require(Self.mode(Self.runtime + "/api.sock"))
        #expect(socket == 0o660, "api.sock mode \(String(socket, radix: 8))")
        let folder = try #require(Self.mode(Self.runtime))
        #expect(folder & 0o007 == 0, "runtime folder mode \(String(folder, radix: 8))")
    }

    @Test("another local user cannot connect to the FastCGI socket (no forged REMOTE_ADDR, no /metrics)")
    func nobodyCannotSpeakFastCGI() throws {
        guard Self.canBecomeNobody else { return }
        let connect = "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print('connected')"
        let result = try Self.asNobody(["/usr/bin/python3", "-c", connect, Self.runtime + "/api.sock"])
        #expect(result.status != 0 && !result.output.contains("connected"), "nobody: \(result.output)")
    }

    @Test("another local user cannot log in to MariaDB as root with an empty password")
    func nobodyCannotReadTheDatabase() throws {
        guard Self.canBecomeNobody else { return }
        let result = try Self.asNobody(["/usr/bin/mariadb", "--no-defaults", "-S", Self.runtime + "/mysql.sock", "-uroot",
                                        "--password=", "-N", "-e", "SELECT COUNT(*) FROM skannr.users"])
        #expect(result.status != 0, "nobody read skannr.users: \(result.output)")
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
