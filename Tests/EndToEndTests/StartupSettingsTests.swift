// Every executable refuses bad settings the same way (SkannrSettings' typed parsers): exit 78, one
// `config_failed` log line that names the variable and its rule, and never a secret's value.
import Foundation
import Testing
import TestSupport

@Suite("Bad settings at start-up")
struct StartupSettingsTests {
    static let secret = "hunter2-never-shown"
    static var binaries: String? {
        let all = ["skannr-api", "skannr-scanner", "skannr-notifier"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: TestStack.binDirectory + "/" + $0)
        }
        return all ? nil : "needs the built executables in \(TestStack.binDirectory) (swift build)"
    }

    @Test("a database port out of range stops every executable with exit 78 and a line naming SKANNR_DB_PORT",
          .needs(binaries), arguments: [["skannr-api", "migrate"], ["skannr-scanner", "schedule", "--once"], ["skannr-notifier"]])
    func badDatabasePort(command: [String]) throws {
        let result = try Shell.execute(TestStack.binDirectory + "/" + command[0], Array(command.dropFirst()), timeout: 30,
                                       environment: ["SKANNR_DB_PORT": "70000", "SKANNR_DB_PASSWORD": Self.secret])
        #expect(result.status == 78, "\(command): \(result.output)")
        #expect(result.output.contains(#""event":"config_failed""#), "\(result.output)")
        #expect(result.output.contains("SKANNR_DB_PORT must be an integer from 1 to 65535"), "\(result.output)")
        #expect(!result.output.contains(Self.secret))
    }
}
