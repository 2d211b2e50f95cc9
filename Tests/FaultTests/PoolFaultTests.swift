// Faults injected into the running stack: a worker killed under load, MariaDB stopped and
// restarted, the whole pool stopped. Run on their own (scripts/test runs this target after the
// others) because they disturb the shared stack.

import Foundation
import Glibc
import Testing
import TestSupport

@Suite("Pool faults", .serialized, .needsStack)
struct PoolFaultTests {
    static func workerPIDs() throws -> [Int32] {
        let pool = try TestStack.control("pool-pid").trimmingCharacters(in: .whitespacesAndNewlines)
        let children = (try? Shell.run("/usr/bin/pgrep", ["-P", pool])) ?? ""
        return children.split(separator: "\n").compactMap { Int32($0) }
    }

    @Test("a worker killed with SIGKILL under load is replaced and later requests succeed")
    func killedWorkerIsReplaced() throws {
        let before = try Self.workerPIDs()
        try #require(before.count >= 2)
        // ~80 requests/s: below nginx's per-IP flood shield
        let statuses = try HealthLoad.run(requests: 300, pause: 12_000) {
            usleep(200_000)
            kill(before[0], SIGKILL)
        }
        let replaced = try waitUntil(seconds: 10) {
            let now = try Self.workerPIDs()
            return now.count == before.count && !now.contains(before[0])
        }
        #expect(replaced, "the pool starts a new worker in place of the killed one")
        let client = try APIClient()
        for _ in 0..<20 { #expect(try client.get("/health").status == 200) }
        print("SKANNR-FIGURES fault-worker-kill requests=300 faults=1 errors=\(statuses.failed) lost=\(statuses.failed) statuses=\(statuses.compact)")
        #expect(statuses.failed <= 5, "at most the killed worker's in-flight requests fail: \(statuses.summary)")
    }

    @Test("MariaDB stopped gives JSON 503s; restarted, requests succeed without restarting the pool")
    func databaseOutage() throws {
        let poolBefore = try TestStack.control("pool-pid")
        try TestStack.control("db-stop")
        defer { _ = try? TestStack.control("db-start") }
        let client = try APIClient()
        let down = try client.get("/health")
        #expect(down.status == 503)
        #expect(down["database"] as? String == "unreachable")
        let other = try client.get("/no-such-endpoint-while-down")
        #expect(other.status == 404 || other.status == 503)

        try TestStack.control("db-start")
        let recovered = try waitUntil(seconds: 15) { try client.get("/health").status == 200 }
        #expect(recovered)
        for _ in 0..<8 { #expect(try client.get("/health").status == 200, "every worker reconnects") }
        #expect(try TestStack.control("pool-pid") == poolBefore, "the pool was not restarted")
    }

    @Test("with MariaDB stopped an authenticated write is a JSON 503 to retry and stores nothing; restarted, it succeeds")
    func writeDuringOutage() throws {
        let account = try TestAccount.make(name: "Outage")
        let client = try account.client()
        try TestStack.control("db-stop")
        defer { _ = try? TestStack.control("db-start") }
        let refused = try client.post("/targets", ["address": "10.98.7.1", "label": "during the outage"])
        #expect(refused.status == 503, "\(refused)")
        #expect(refused.code == "unavailable", "\(refused)")
        #expect(refused.header("retry-after") != nil, "the client is told to retry")
        #expect(!refused.text.contains("MariaDB") && !refused.text.contains("mysql.sock"), "no internals: \(refused)")

        try TestStack.control("db-start")
        #expect(waitUntil(seconds: 15) { (try? client.get("/health").status) == 200 })
        let stored = try TestStack.appDatabase().queryOne("SELECT COUNT(*) AS n FROM targets WHERE user_id = ?", [.int(account.id)])
        #expect(try stored?.int("n") == 0, "the refused write left nothing behind")
        let retried = try client.post("/targets", ["address": "10.98.7.1", "label": "after the outage"])
        #expect(retried.status == 201, "the same write succeeds once MariaDB is back: \(retried)")
    }

    @Test("with the pool stopped nginx answers 502 in JSON; started again, requests succeed")
    func poolStopped() throws {
        try TestStack.control("pool-stop")
        var restarted = false
        defer { if !restarted { _ = try? TestStack.control("pool-start") } }
        let response = try APIClient().get("/health")
        #expect(response.status == 502)
        #expect(response.code == "unavailable")
        try TestStack.control("pool-start")
        restarted = true
        #expect(waitUntil(seconds: 10) { (try? APIClient().get("/health").status) == 200 })
    }

    @Test("SIGHUP rolls every worker while requests keep succeeding")
    func rollingRestart() throws {
        let before = Set(try Self.workerPIDs())
        // kill(0, ...) would signal the test runner's own process group: a pid we cannot read stops the test.
        let pool = try #require(Int32(try TestStack.control("pool-pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        try #require(pool > 1)
        let statuses = try HealthLoad.run(requests: 200, pause: 12_000) { kill(pool, SIGHUP) }
        let rolled = try waitUntil(seconds: 20) { Set(try Self.workerPIDs()).isDisjoint(with: before) }
        #expect(rolled, "every old worker was replaced")
        print("SKANNR-FIGURES fault-sighup-roll requests=200 faults=1 errors=\(statuses.failed) lost=\(statuses.failed) statuses=\(statuses.compact)")
        #expect(statuses.failed == 0, "no request failed during the roll: \(statuses.summary)")
    }
}

@Suite("nginx flood shield", .serialized, .needsStack)
struct FloodShieldTests {
    @Test("a flood from one address gets nginx's JSON 429 with Retry-After")
    func floodIsLimited() throws {
        let limited = LockedResponses()
        let threads = (0..<4).map { _ in
            Thread {
                defer { limited.done() }  // also when no client could be made: the wait below ends
                guard let client = try? APIClient(timeout: .seconds(10)) else { return }
                for _ in 0..<400 {
                    if let response = try? client.get("/auth/no-such-endpoint"), response.status == 429 {
                        limited.keep(response)
                    }
                }
            }
        }
        threads.forEach { $0.start() }
        while limited.finished < threads.count { usleep(20_000) }
        let response = try #require(limited.first, "1,600 requests at full speed exceed the auth shield (test stack: 200/s, burst 400)")
        #expect(response.code == "rate_limited")
        #expect(response.header("retry-after") != nil)
        #expect(response.header("content-type")?.hasPrefix("application/json") == true)
        sleep(3)  // let the bucket refill for whatever runs next
    }
}

/// The first limited response of a flood, and how many threads are done.
final class LockedResponses: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: APIResponse?
    private var doneCount = 0

    func keep(_ response: APIResponse) { lock.withLock { if kept == nil { kept = response } } }
    func done() { lock.withLock { doneCount += 1 } }
    var first: APIResponse? { lock.withLock { kept } }
    var finished: Int { lock.withLock { doneCount } }
}
