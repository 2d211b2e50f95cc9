// Pure timing state of the sweep (deadline heap, RTT estimator, retry rule, token bucket): no sleeps.
import Testing
@testable import ScanEngine
import Glibc

@Suite("Sweep timing, with the clock passed in")
struct TimingTests {
    @Test("the deadline queue pops only expired entries, earliest first")
    func deadlineOrder() {
        var queue = DeadlineQueue()
        queue.schedule(slot: 1, generation: 1, deadline: 300)
        queue.schedule(slot: 2, generation: 1, deadline: 100)
        queue.schedule(slot: 3, generation: 7, deadline: 200)
        queue.schedule(slot: 4, generation: 1, deadline: 900)
        var out: [DeadlineQueue.Entry] = []
        queue.popExpired(now: 250, into: &out)
        #expect(out.map(\.slot) == [2, 3])
        #expect(out[1].generation == 7)
        #expect(queue.nextDeadline == 300)
        out.removeAll()
        queue.popExpired(now: 299, into: &out)
        #expect(out.isEmpty)
        queue.popExpired(now: 1000, into: &out)
        #expect(out.map(\.slot) == [1, 4])
        #expect(queue.count == 0)
    }

    @Test("a thousand random deadlines come out sorted")
    func deadlineHeapSorts() {
        var queue = DeadlineQueue()
        var generator = SystemRandomNumberGenerator()
        let deadlines = (0..<1000).map { _ in UInt64.random(in: 0..<1_000_000, using: &generator) }
        for (i, d) in deadlines.enumerated() { queue.schedule(slot: Int32(i), generation: 0, deadline: d) }
        var out: [DeadlineQueue.Entry] = []
        queue.popExpired(now: .max, into: &out)
        #expect(out.map(\.deadline) == deadlines.sorted())
    }

    @Test("a host that never answered keeps the full timeout; one that answers gets a shorter one")
    func adaptiveTimeout() {
        let policy = RetryPolicy(retries: 1, timeout: 1_000_000_000, minTimeout: 250_000_000)
        var rtt = RTTEstimator()
        #expect(policy.timeoutFor(attempt: 0, host: rtt) == 1_000_000_000)
        rtt.add(sample: 1_000_000)   // 1 ms
        #expect(policy.timeoutFor(attempt: 0, host: rtt) == 250_000_000)
        for _ in 0..<20 { rtt.add(sample: 400_000_000) }   // a slow host
        #expect(policy.timeoutFor(attempt: 0, host: rtt) > 400_000_000)
        #expect(policy.timeoutFor(attempt: 0, host: rtt) <= 1_000_000_000)
    }

    @Test("an unanswered probe is retried once, waiting half as long, then called filtered")
    func retryRule() {
        let policy = RetryPolicy(retries: 1, timeout: 1_000_000_000, minTimeout: 250_000_000)
        let silent = RTTEstimator()
        #expect(policy.onTimeout(attempt: 0, host: silent) == .retry(timeout: 500_000_000))
        #expect(policy.onTimeout(attempt: 1, host: silent) == .filtered)
        let none = RetryPolicy(retries: 0, timeout: 1_000_000_000, minTimeout: 250_000_000)
        #expect(none.onTimeout(attempt: 0, host: silent) == .filtered)
    }

    @Test("errno values map to open, closed, filtered or a local shortage")
    func verdicts() {
        #expect(ConnectVerdict(errno: 0) == .open)
        #expect(ConnectVerdict(errno: ECONNREFUSED) == .closed)
        #expect(ConnectVerdict(errno: EHOSTUNREACH) == .filtered)
        #expect(ConnectVerdict(errno: ENETUNREACH) == .filtered)
        #expect(ConnectVerdict(errno: ETIMEDOUT) == .filtered)
        #expect(ConnectVerdict(errno: EMFILE) == .localResource)
        #expect(ConnectVerdict(errno: EADDRNOTAVAIL) == .localResource)
    }

    @Test("the token bucket allows one second's burst, then refills with time")
    func tokenBucket() {
        var bucket = TokenBucket(ratePerSecond: 100, now: 0)
        #expect(bucket.available(now: 0) == 100)
        bucket.spend(100)
        #expect(bucket.available(now: 0) == 0)
        #expect(bucket.wait(now: 0) == 10_000_000)
        #expect(bucket.available(now: 50_000_000) == 5)
        #expect(bucket.available(now: 10_000_000_000) == 100)   // capped at one second's worth
    }

    @Test("politeness grants per host and per scan from the same clock")
    func politeness() {
        let limits = Politeness(perHost: 10, perScan: 15, now: 0)
        #expect(limits.take(host: 0, want: 50, now: 0).granted == 10)
        #expect(limits.take(host: 0, want: 50, now: 0).granted == 0)
        #expect(limits.take(host: 1, want: 50, now: 0).granted == 5)   // scan budget left
        let refused = limits.take(host: 2, want: 1, now: 0)
        #expect(refused.granted == 0 && refused.wait > 0)
        #expect(limits.take(host: 2, want: 1, now: 1_000_000_000).granted == 1)
    }
}
