// One place in the pool and its restart policy: a worker that dies soon after starting doubles
// the wait before the next start (100 ms up to 30 s); one that ran for a while restarts at once.

struct WorkerSlot {
    let index: Int
    private(set) var pid: Int32?
    private(set) var restartAt: Double = 0
    private var startedAt: Double = 0
    private var quickFailures = 0

    static let stableAfterSeconds = 10.0
    static let maxBackoffSeconds = 30.0

    init(index: Int) { self.index = index }

    mutating func started(pid: Int32, at now: Double) {
        self.pid = pid
        startedAt = now
    }

    mutating func failed(at now: Double) {
        pid = nil
        quickFailures += 1
        restartAt = now + backoff()
    }

    /// Records the worker's death and returns the delay before it is replaced.
    mutating func died(at now: Double) -> Double {
        pid = nil
        quickFailures = now - startedAt < Self.stableAfterSeconds ? quickFailures + 1 : 0
        let delay = quickFailures == 0 ? 0 : backoff()
        restartAt = now + delay
        return delay
    }

    private func backoff() -> Double {
        min(Self.maxBackoffSeconds, 0.1 * Double(1 << min(quickFailures, 16)))
    }
}

import Glibc

enum Monotonic {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
