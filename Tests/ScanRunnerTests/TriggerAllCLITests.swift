// Cron's view of trigger-all: two `skannr-scanner trigger-all` processes started at the same moment
// (overlapping cron runs without flock) enqueue each enabled target exactly once, both exit 0, and
// each prints one JSON line saying what it did. Needs the built executable (skipped without it).
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("trigger-all from cron", .needsDatabase, .needs(ScannerBinary.unavailableReason), .serialized)
struct TriggerAllCLITests {
    @Test("two trigger-all processes at once create no duplicate scans, both exit 0 with one log line each")
    func twoProcessesAtOnce() throws {
        let fixture = try RunnerFixture()
        for index in 1...40 { try fixture.addTarget("127.0.\(index / 200).\(index % 200 + 1)", profile: "quick") }
        try fixture.addTarget("127.0.9.9", profile: "quick", enabled: false)
        let settings = try fixture.settingsFile()
        let outputs = Outputs()
        let binary = ScannerBinary.path ?? "/bin/false"
        onThreads(2) { _ in
            do { outputs.append(try Shell.run(binary, ["trigger-all", "--config", settings.path])) }
            catch { outputs.append("FAILED \(error)") }
        }
        let lines = outputs.all.map { $0.split(separator: "\n").filter { $0.contains("\"event\":\"trigger_all\"") } }
        #expect(outputs.all.count == 2)
        #expect(!outputs.all.contains { $0.hasPrefix("FAILED") }, "\(outputs.all)")
        #expect(lines.allSatisfy { $0.count == 1 }, "\(outputs.all)")
        let enqueued = lines.compactMap(\.first).map { Self.field($0, "enqueued") }
        let busy = lines.compactMap(\.first).map { Self.field($0, "busy") }
        #expect(enqueued.reduce(0, +) == 40)
        #expect(zip(enqueued, busy).allSatisfy { $0 + $1 == 40 })
        #expect(try fixture.int("SELECT COUNT(*) AS n FROM scans WHERE trigger_kind = 'bulk'") == 40)
        #expect(try fixture.int("SELECT COUNT(DISTINCT target_id) AS n FROM scans") == 40)
    }

    static func field(_ line: Substring, _ name: String) -> Int {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return -1 }
        return Int(object[name] as? String ?? "") ?? -1
    }
}

final class Outputs: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func append(_ value: String) { lock.withLock { values.append(value) } }
    var all: [String] { lock.withLock { values } }
}
