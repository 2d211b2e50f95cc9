// The deploy/ files: systemd units carry their hardening and pass `systemd-analyze verify` (when the
// tool is installed), the cron line uses flock and the real command, and the production nginx site
// passes `nginx -t` with the shared snippets and the certificate paths pointed at a throwaway cert.
import Foundation
import Testing
import TestSupport

enum DeployFiles {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: project.appendingPathComponent(path), encoding: .utf8)
    }

    /// `Key=value` lines of a unit (comments and sections dropped; repeated keys keep the last).
    static func unit(_ name: String) throws -> [String: String] {
        var keys: [String: String] = [:]
        for line in try text("deploy/systemd/" + name).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix("["), let equals = trimmed.firstIndex(of: "=") else { continue }
            keys[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        return keys
    }

    static func which(_ tool: String) -> String? {
        ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"].map { $0 + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Why a test that runs `tools` cannot (nil: all present), for `.needs(_:)`.
    static func missing(_ tools: String...) -> String? {
        let absent = tools.filter { which($0) == nil }
        return absent.isEmpty ? nil : "needs \(absent.joined(separator: " and ")) on this host"
    }

    /// Why the built executables are not there (nil: they are), for `.needs(_:)`.
    static var missingBinaries: String? {
        let all = ["skannr-api", "skannr-scanner", "skannr-notifier"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: TestStack.binDirectory + "/" + $0)
        }
        return all ? nil : "needs the built executables in \(TestStack.binDirectory) (swift build)"
    }
}

@Suite("Deploy files")
struct OperationsDeployTests {
    @Test("every unit runs as its own unprivileged user with no capabilities, a read-only system and a syscall filter")
    func hardening() throws {
        let users = ["skannr-api.service": "skannr", "skannr-migrate.service": "skannr",
                     "skannr-scanner.service": "skannr-scanner", "skannr-trigger-all.service": "skannr-scanner",
                     "skannr-notifier.service": "skannr"]
        for (name, user) in users {
            let unit = try DeployFiles.unit(name)
            #expect(unit["User"] == user, "\(name)")
            #expect(unit["NoNewPrivileges"] == "yes", "\(name)")
            #expect(unit["ProtectSystem"] == "strict", "\(name)")
            #expect(unit["ProtectHome"] == "yes", "\(name)")
            #expect(unit["PrivateTmp"] == "yes", "\(name)")
            #expect(unit["CapabilityBoundingSet"] == "", "\(name): no capability, not even CAP_NET_RAW")
            #expect(unit["AmbientCapabilities"] == "", "\(name)")
            #expect(unit["SystemCallFilter"] == "@system-service", "\(name)")
            #expect(unit["RestrictAddressFamilies"]?.hasPrefix("AF_UNIX AF_INET AF_INET6") == true, "\(name)")
        }
        let api = try DeployFiles.unit("skannr-api.service")
        #expect(api["ExecStart"] == "/usr/local/bin/skannr-api serve --socket /run/skannr/api.sock --config /etc/skannr/skannr.env")
        #expect(api["RuntimeDirectory"] == "skannr")
        #expect(api["ExecReload"] == "/bin/kill -HUP $MAINPID")
        let scanner = try DeployFiles.unit("skannr-scanner.service")
        #expect(Int(scanner["LimitNOFILE"] ?? "") ?? 0 >= 65536)
        #expect(try !DeployFiles.text("deploy/systemd/skannr-scanner.service").contains("CAP_NET_RAW="))
        let timer = try DeployFiles.unit("skannr-trigger-all.timer")
        #expect(timer["OnCalendar"] != nil)
        #expect(timer["Persistent"] == "true")
    }

    @Test("systemd-analyze verify accepts the units (with the built binaries in place of /usr/local/bin)",
          .needs(DeployFiles.missing("systemd-analyze")), .needs(DeployFiles.missingBinaries))
    func systemdVerify() throws {
        let tool = try #require(DeployFiles.which("systemd-analyze"))
        let binaries = TestStack.binDirectory
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for name in ["skannr-api.service", "skannr-migrate.service", "skannr-scanner.service", "skannr-trigger-all.service",
                     "skannr-trigger-all.timer", "skannr-notifier.service"] {
            let text = try DeployFiles.text("deploy/systemd/" + name).replacingOccurrences(of: "/usr/local/bin/", with: binaries + "/")
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let output = try Shell.run(tool, ["verify"] + paths)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(output)")
    }

    @Test("the crontab line runs trigger-all under flock as skannr with the settings file")
    func cronLine() throws {
        let lines = try DeployFiles.text("deploy/skannr.cron").split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("trigger-all") }
        #expect(lines.count == 1)
        let fields = lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
        #expect(fields.count > 8)
        #expect(fields.prefix(6) == ["0", "3", "*", "*", "*", "skannr-scanner"])
        #expect(fields[6] == "flock" && fields.contains("-n"))
        #expect(lines.first?.contains("skannr-scanner trigger-all --config /etc/skannr/scanner.env") == true)
    }

    @Test("the scan-runner is its own OS user with settings free of API secrets; the API's settings never reach it")
    func scannerLeastPrivilege() throws {
        for name in ["skannr-scanner.service", "skannr-trigger-all.service"] {
            let unit = try DeployFiles.unit(name)
            #expect(unit["User"] == "skannr-scanner" && unit["Group"] == "skannr-scanner", "\(name)")
            #expect(unit["ExecStart"]?.hasSuffix("--config /etc/skannr/scanner.env") == true, "\(name)")
            #expect(unit["SupplementaryGroups"]?.contains("skannr ") != true && unit["SupplementaryGroups"] != "skannr", "\(name)")
        }
        let settings = try DeployFiles.text("deploy/scanner.env.example")
        for secret in ["SKANNR_JWT_KEYS", "SKANNR_MFA_KEY", "SKANNR_STRIPE"] {
            #expect(!settings.contains(secret), "scanner.env.example holds \(secret)")
        }
        #expect(settings.contains("SKANNR_DB_USER=skannr_scanner"))
        let api = try DeployFiles.unit("skannr-api.service")
        #expect(api["ExecStartPre"] == nil, "migrations are skannr-migrate.service's, with their own database user")
        #expect(try DeployFiles.unit("skannr-migrate.service")["EnvironmentFile"] == "/etc/skannr/migrate.env")
    }

    @Test("the production nginx site passes nginx -t with the shared snippets; /metrics only on loopback",
          .needs(DeployFiles.missing("nginx", "openssl")))
    func productionSite() throws {
        let site = try DeployFiles.text("deploy/nginx/skannr.conf")
        #expect(site.contains("listen 443 ssl"))
        #expect(site.contains("/etc/letsencrypt/live/"))
        #expect(site.contains("listen 127.0.0.1:9145;"))
        #expect(site.contains("include /etc/nginx/snippets/skannr-json-errors.conf;"))
        let nginx = try #require(DeployFiles.which("nginx")), openssl = try #require(DeployFiles.which("openssl"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for snippet in ["skannr-fastcgi.conf", "skannr-json-errors.conf"] {
            try DeployFiles.text("nginx/" + snippet).write(toFile: "\(directory)/\(snippet)", atomically: true, encoding: .utf8)
        }
        try Shell.run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                "-subj", "/CN=skannr.example.com", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem"])
        let live = "/etc/letsencrypt/live/skannr.example.com/"
        let rewritten = site.replacingOccurrences(of: "/etc/nginx/snippets", with: directory)
            .replacingOccurrences(of: live + "fullchain.pem", with: directory + "/cert.pem")
            .replacingOccurrences(of: live + "chain.pem", with: directory + "/cert.pem")
            .replacingOccurrences(of: live + "privkey.pem", with: directory + "/key.pem")
            .replacingOccurrences(of: "/var/log/nginx", with: directory + "/logs")
        try rewritten.write(toFile: directory + "/site.conf", atomically: true, encoding: .utf8)
        try "pid \(directory)/nginx.pid;\nerror_log \(directory)/logs/error.log;\nevents {}\nhttp {\n    include \(directory)/site.conf;\n}\n"
            .write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let output = try Shell.run(nginx, ["-t", "-p", directory, "-c", directory + "/nginx.conf"])
        #expect(output.contains("test is successful"), "\(output)")
    }
}
