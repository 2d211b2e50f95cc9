// Steady GET /health load from one thread while a test injects a fault, and the statuses it saw.
// Trap: the wait is bounded, and a request that never happened (no client, deadline passed) counts
// as failed, so a broken load thread fails the test instead of hanging it.
import Foundation
import Glibc
import TestSupport

/// The statuses of one load run; -1 is a request that failed at the transport.
struct LoadStatuses {
    let total: Int
    let statuses: [Int]

    func count(of status: Int) -> Int { statuses.filter { $0 == status }.count }
    /// Requests that did not get a 200, including those never sent.
    var failed: Int { total - count(of: 200) }
    /// "[200: 398, 502: 2]"
    var summary: String { Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count).description }
    /// "200:398,502:2" — for a parseable figures line.
    var compact: String {
        summary.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).replacingOccurrences(of: " ", with: "")
    }
}

enum HealthLoad {
    /// Sends `total` GET /health, `pause` microseconds apart, on a background thread; runs `fault`
    /// meanwhile on the caller's thread, then waits (at most `timeout` seconds) for the load to end.
    static func run(requests total: Int, pause: useconds_t, timeout: Double = 120,
                    during fault: () throws -> Void) throws -> LoadStatuses {
        let collected = Collected()
        Thread {
            let client = try? APIClient(timeout: .seconds(10))
            for _ in 0..<total {
                collected.append(client.flatMap { try? $0.get("/health").status } ?? -1)
                usleep(pause)
            }
        }.start()
        let injected = Result { try fault() }
        let deadline = Date().addingTimeInterval(timeout)
        while collected.count < total, Date() < deadline { usleep(50_000) }
        try injected.get()
        return LoadStatuses(total: total, statuses: collected.all)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var statuses: [Int] = []

        func append(_ status: Int) { lock.withLock { statuses.append(status) } }
        var count: Int { lock.withLock { statuses.count } }
        var all: [Int] { lock.withLock { statuses } }
    }
}

/// Polls `condition` every 100 ms for up to `seconds`; true as soon as it holds.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(100_000)
    }
    return try condition()
}
