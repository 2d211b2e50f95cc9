// The lease state machine and the poll backoff, with instants passed in (no sleeping); settings parsing.
import SkannrSettings
import Foundation
import Testing
@testable import ScanRunner

@Suite("Lease timer and backoff")
struct LeaseTimerTests {
    let start = ContinuousClock.now

    @Test("a fresh lease waits, asks for a heartbeat after the interval, and renews from the send time")
    func heartbeatCycle() {
        var timer = LeaseTimer(claimedAt: start, duration: .seconds(30), heartbeatInterval: .seconds(10))
        #expect(timer.action(at: start + .seconds(3)) == .wait)
        #expect(timer.action(at: start + .seconds(10)) == .heartbeat)
        timer.renewed(sentAt: start + .seconds(10))
        #expect(timer.expiresAt == start + .seconds(40))
        #expect(timer.action(at: start + .seconds(15)) == .wait)
        #expect(timer.action(at: start + .seconds(39)) == .heartbeat)
        #expect(timer.state == .held)
    }

    @Test("a lease not renewed before its expiry is lost for good, even if a late renewal arrives")
    func localExpiry() {
        var timer = LeaseTimer(claimedAt: start, duration: .seconds(30), heartbeatInterval: .seconds(10))
        #expect(timer.action(at: start + .seconds(30)) == .stop)
        #expect(timer.state == .lost)
        timer.renewed(sentAt: start + .seconds(31))
        #expect(timer.action(at: start + .seconds(32)) == .stop)
    }

    @Test("a heartbeat rejected by the fence stops the work")
    func rejection() {
        var timer = LeaseTimer(claimedAt: start, duration: .seconds(30), heartbeatInterval: .seconds(10))
        timer.rejected()
        #expect(timer.action(at: start + .seconds(1)) == .stop)
    }

    @Test("idle polling doubles from the minimum to the maximum and resets on work")
    func backoff() {
        var backoff = PollBackoff(minimum: .milliseconds(200), maximum: .seconds(5))
        let delays = (0..<7).map { _ in backoff.nextDelay() }
        #expect(delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                           .milliseconds(3200), .seconds(5), .seconds(5)])
        backoff.reset()
        #expect(backoff.nextDelay() == .milliseconds(200))
    }

    @Test("settings: the environment overrides the file, defaults apply, bad numbers are refused")
    func settings() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString).env")
        try "# comment\nSKANNR_DB_NAME=fromfile\nSKANNR_SCANNER_LEASE_SECONDS=60\nSKANNR_SCANNER_ID=file-id\n"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try Settings.load(file: file.path, environment: ["SKANNR_SCANNER_ID": "env-id", "HOME": "/x"])
        let configuration = try RunnerConfiguration(settings: settings)
        #expect(configuration.database.database == "fromfile")
        #expect(configuration.scannerID == "env-id")
        #expect(configuration.leaseDuration == .seconds(60))
        #expect(configuration.maxAttempts == 3)
        #expect(configuration.concurrentScans == 16 && configuration.maxRunningScansPerAccount == 16)
        #expect(configuration.allowPrivateTargets == false)
        #expect(throws: RunnerError.self) {
            try RunnerConfiguration(settings: Settings(values: ["SKANNR_SCANNER_MAX_ATTEMPTS": "many"]))
        }
        #expect(throws: RunnerError.self) {
            try RunnerConfiguration(settings: Settings(values: ["SKANNR_SCANNER_LEASE_SECONDS": "5"]))
        }
    }
}
