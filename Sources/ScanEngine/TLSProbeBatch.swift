// TLS probes of many ports: a pool of `concurrency` threads (not one per CPU) each running blocking-with-
// deadline probes, while the calling thread reports progress (the runner's lease heartbeat) and can cancel.
// Why threads and not one epoll loop: a probe is ~1.5 ms of CPU and otherwise waiting, so 64 mostly
// sleeping threads cost little, use both cores for the handshakes' crypto, and reuse the one-probe code.
// Traps: a cap cuts the targets least likely to be TLS first (well-known TLS ports are probed first);
// `progress` runs on the calling thread only (LeaseKeeper is not thread-safe); cancel ends probes in ~50 ms.
import Dispatch
import Synchronization

extension TLSProbe {
    public struct BatchOptions: Sendable {
        /// Deadline of each probe (connect + handshake).
        public var timeout: Duration
        /// Handshakes in progress at once.
        public var concurrency: Int
        /// Most probes made by this call; the rest are reported as cut (`BatchResult.cutByCap`). nil: no cap.
        public var maxProbes: Int?
        /// How often `progress` is called while probes run.
        public var progressInterval: Duration

        public init(timeout: Duration = .seconds(3), concurrency: Int = 64, maxProbes: Int? = nil,
                    progressInterval: Duration = .seconds(1)) {
            self.timeout = timeout
            self.concurrency = concurrency
            self.maxProbes = maxProbes
            self.progressInterval = progressInterval
        }
    }

    public struct BatchProgress: Sendable {
        public let done: Int
        /// Probes this call makes (after the cap).
        public let total: Int
        public let inFlight: Int
    }

    public struct BatchResult: Sendable {
        /// One per target, in the targets' order; nil when not probed (over the cap, or cancelled first).
        public let outcomes: [TLSProbeOutcome?]
        /// Targets left out because of `maxProbes`.
        public let cutByCap: Int
        /// `progress` returned false: some targets may not have been probed.
        public let cancelled: Bool
        /// Most probes that were in progress at the same moment.
        public let peakInFlight: Int
    }

    /// Ports probed first when a cap cuts the list: where TLS is the usual protocol.
    static let likelyTLSPorts: Set<UInt16> = [443, 8443, 993, 995, 465, 636, 989, 990, 992, 994, 853, 5061,
                                              6697, 8883, 9443, 10443, 4443, 3269, 5986, 2376, 6443, 2083, 2087]

    /// Probes `targets` with at most `options.concurrency` handshakes at once. `progress` is called on the
    /// calling thread every `progressInterval` while probes run; returning false cancels the rest.
    public static func probeAll(_ targets: [Target], options: BatchOptions,
                                progress: (BatchProgress) -> Bool = { _ in true }) -> BatchResult {
        var order = Array(targets.indices)
        let likely = order.filter { likelyTLSPorts.contains(targets[$0].port) }
        order = likely + order.filter { !likelyTLSPorts.contains(targets[$0].port) }
        let limit = min(order.count, max(0, options.maxProbes ?? order.count))
        let state = BatchState(targets: targets, order: Array(order.prefix(limit)), timeout: options.timeout)
        let threads = (0..<max(1, min(options.concurrency, limit))).compactMap { _ in
            try? JoinableThread(stackBytes: 512 * 1024) { state.work() }
        }
        if threads.isEmpty { state.work() }   // no thread could start: probe here, still bounded by each deadline
        var lastReport = MonotonicClock.now()
        let interval = max(options.progressInterval.nanoseconds, 1_000_000)
        while state.workersRunning(started: threads.count) {
            _ = state.wakeups.wait(timeout: .now() + .nanoseconds(Int(min(interval, 100_000_000))))
            let now = MonotonicClock.now()
            if now - lastReport >= interval {
                lastReport = now
                if !progress(state.snapshot()) { state.cancel() }
            }
        }
        threads.forEach { $0.join() }
        return state.result(cutByCap: order.count - limit)
    }

    /// Compatibility: every target probed, failures included; outcomes in the targets' order.
    public static func probeAll(_ targets: [Target], timeout: Duration, concurrency: Int = 64) -> [TLSProbeOutcome] {
        probeAll(targets, options: BatchOptions(timeout: timeout, concurrency: concurrency)).outcomes.map {
            $0 ?? .failed(TLSProbeFailure(.local, "not probed"))
        }
    }

    /// Shared by the pool's threads; everything but `cancelled` and `wakeups` is touched under `lock`.
    private final class BatchState: @unchecked Sendable {
        let targets: [Target]
        let order: [Int]
        let timeout: Duration
        let wakeups = DispatchSemaphore(value: 0)
        private let cancelled = Atomic<Bool>(false)
        private let lock = Lock()
        private var next = 0
        private var done = 0
        private var inFlight = 0
        private var peak = 0
        private var exited = 0
        private var outcomes: [TLSProbeOutcome?]

        init(targets: [Target], order: [Int], timeout: Duration) {
            self.targets = targets
            self.order = order
            self.timeout = timeout
            outcomes = Array(repeating: nil, count: targets.count)
        }

        func work() {
            while let index = take() {
                let outcome = TLSProbe.probe(targets[index], timeout: timeout, isCancelled: { self.isCancelled })
                let keep = !(isCancelled && outcome == .failed(TLSProbeFailure(.local, "cancelled")))
                lock.withLock {
                    if keep { outcomes[index] = outcome }
                    inFlight -= 1
                    done += 1
                }
                wakeups.signal()
            }
            lock.withLock { exited += 1 }
            wakeups.signal()
        }

        private func take() -> Int? {
            guard !isCancelled else { return nil }
            return lock.withLock {
                guard next < order.count else { return nil }
                defer { next += 1 }
                inFlight += 1
                peak = max(peak, inFlight)
                return order[next]
            }
        }

        var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
        func cancel() { cancelled.store(true, ordering: .relaxed) }

        func workersRunning(started: Int) -> Bool { lock.withLock { exited < started } }

        func snapshot() -> BatchProgress {
            lock.withLock { BatchProgress(done: done, total: order.count, inFlight: inFlight) }
        }

        func result(cutByCap: Int) -> BatchResult {
            lock.withLock {
                BatchResult(outcomes: outcomes, cutByCap: cutByCap, cancelled: isCancelled, peakInFlight: peak)
            }
        }
    }
}
