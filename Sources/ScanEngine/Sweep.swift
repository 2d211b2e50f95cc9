// The TCP connect sweep: many non-blocking connect()s multiplexed with epoll on a few threads.
//
// DESIGN (read before changing anything here)
// - Work is hosts × ports, pulled lazily: the hosts sequence is iterated only as workers need more
//   (a /16 is never built as an array), in chunks of `chunkSize` ports of one host (WorkSource).
// - `workers` threads (default: cores, max 4), each with its own epoll instance, slot table and
//   deadline heap; they share nothing but the WorkSource, the politeness buckets (only when limits are
//   set) and a few atomic counters. One thread saturates a core in the kernel on a loopback sweep;
//   two threads on two cores nearly halve it.
// - A probe: socket(NONBLOCK) → connect() → usually EINPROGRESS. On loopback the handshake or the
//   reset has already happened by then, so a second connect() reports it at once (EISCONN /
//   ECONNREFUSED); only a real in-flight probe (EALREADY) is registered with epoll for EPOLLOUT and
//   read back with getsockopt(SO_ERROR). A socket refused right there (never in epoll) is kept and
//   connect()ed again for the next port (Linux allows it after a failed connect): a closed port then
//   costs two connect() calls and no socket()/close() — system time per sweep 1.0 s → 0.56 s. open = 0, closed = ECONNREFUSED, filtered = timeout,
//   EHOSTUNREACH, ENETUNREACH, EACCES... (ConnectVerdict).
// - Deadlines are ours: the kernel would retry a dropped SYN for ~2 minutes (and resends it itself
//   after ~1 s: an answer later than that may be to its copy — no RTT sample, counted as a drop). The
//   first probe of a host waits `probeTimeout` (or the sweep's estimate once other hosts answered);
//   once the host has answered, srtt + 4·rttvar (floor `minProbeTimeout`), and probes already in
//   flight when its first answer arrives are re-deadlined the same way.
// - Congestion control (issue 14; CongestionWindow, HostTiming, TimingBoard, docs/benchmarks.md):
//   windows per host and per sweep, grown by answers, cut by a standing queue delay or by loss well
//   above random; a host's probes paced over its round trip (Pacer: a window refilled in bursts
//   queues each burst at a bottleneck); retries follow the deepest try that worked on the host; a host that rate-limits
//   its resets is recognised and said in `notes`. Loopback hosts skip it (`.automatic`): no link.
//   Ports are shuffled once per sweep, hosts interleaved in random order (WorkSource).
// - Politeness: token buckets per host and per sweep (probes/second, burst = one second's worth).
//   Unlimited by default: the caller (ScanRunner) sets them for targets that are not its own.
// - Progress and cancellation run on the caller's thread, which waits for the workers in steps
//   of 10 ms: `isCancelled` is polled every step, `progress` every `progressInterval`.
//   Workers notice the cancel flag within 50 ms (their epoll_wait cap) and close every socket.
//
// TRAPS
// - Self-connect: to a local address inside the ephemeral range (32768–60999), connect() can pick
//   the destination port as its source and connect the socket to itself: "open" but nothing listens.
//   getsockname() == destination ⇒ closed (nmap does not report these either).
// - TIME_WAIT: closing an established connection normally leaves TIME_WAIT behind and, on loopback,
//   eats the ephemeral ports; open ports are closed with SO_LINGER 0 (RST). Refused ones leave nothing.
// - Local exhaustion (EMFILE, EADDRNOTAVAIL, ENOBUFS) is not an answer: the probe is put back and the
//   worker pauses 5 ms. RLIMIT_NOFILE is raised to its hard limit and caps `maxInFlight`.
// - Every fd is closed on every path, cancel included: /proc/self/fd is unchanged after a sweep.
import Glibc
import Synchronization

public final class Sweep: Sendable {
    public let config: SweepConfig
    /// Ports per chunk handed to a worker.
    let chunkSize = 256

    public init(config: SweepConfig = SweepConfig()) {
        self.config = config
    }

    /// Sweeps every port of every host. `expectedHosts` (when the sequence is lazy) sizes the progress.
    /// Callbacks run on the calling thread. Throws only when the sweep cannot start.
    public func run<S: Sequence<ScanHost>>(
        hosts: S,
        ports: [UInt16],
        expectedHosts: Int? = nil,
        isCancelled: () -> Bool = { false },
        progress: (SweepProgress) -> Void = { _ in }
    ) throws -> SweepResult {
        let started = MonotonicClock.now()
        let inFlight = min(max(1, config.maxInFlight), FileLimits.raiseAndReserve())
        let workerCount = max(1, min(config.workers, inFlight))
        let hostCount = expectedHosts ?? hosts.underestimatedCount
        let source = WorkSource(hosts: hosts, portCount: ports.count, chunkSize: chunkSize, shuffles: config.randomOrder)
        let order = config.randomOrder ? ports.shuffled() : ports
        let counters = SweepCounters()
        let politeness = Politeness(perHost: config.probesPerSecondPerHost, perScan: config.probesPerSecond, now: started)
        let policy = RetryPolicy(retries: max(0, config.retries),
                                 timeout: max(1_000_000, config.probeTimeout.nanoseconds),
                                 minTimeout: max(1_000_000, config.minProbeTimeout.nanoseconds))
        var tuning = CongestionTuning()
        tuning.maxWindow = Double(inFlight)
        let board = TimingBoard(tuning: tuning, policy: policy, retryCap: config.maxAdaptiveRetries, now: started)
        var workers: [SweepWorker] = []
        for i in 0..<workerCount {
            let share = inFlight / workerCount + (i < inFlight % workerCount ? 1 : 0)
            workers.append(try SweepWorker(capacity: share, ports: order, source: source,
                                           politeness: politeness, counters: counters, policy: policy,
                                           board: board, congestion: config.congestionControl))
        }
        let threads = try Self.startThreads(workers, counters: counters) { try WorkerThread(worker: $0, counters: counters) }

        var cancelled = false
        var lastProgress = started
        let interval = max(10_000_000, config.progressInterval.nanoseconds)
        while counters.workersFinished.load(ordering: .acquiring) < threads.count {
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
            let now = MonotonicClock.now()
            if !cancelled, isCancelled() {
                cancelled = true
                counters.cancelled.store(true, ordering: .relaxed)
            }
            if now - lastProgress >= interval {
                lastProgress = now
                progress(snapshot(counters, hostCount: max(hostCount, source.hostsSeen.count), ports: ports.count, final: false))
            }
        }
        threads.forEach { $0.join() }
        let seen = source.hostsSeen
        progress(snapshot(counters, hostCount: seen.count, ports: ports.count, final: !cancelled))
        let results = seen.indices.map { index in
            merge(host: seen[index], tallies: workers.compactMap { $0.tallies[index] },
                  notes: board.notes(host: index), roundTrip: board.roundTrip(host: index))
        }
        return SweepResult(hosts: results,
                           probesSent: workers.reduce(0) { $0 + $1.probesSent },
                           retriesSent: workers.reduce(0) { $0 + $1.retriesSent },
                           windowCuts: board.cuts,
                           cancelled: cancelled,
                           elapsed: .nanoseconds(Int64(MonotonicClock.now() - started)))
    }

    /// One thread per worker. When one cannot start, those already running are cancelled and joined
    /// before the error is rethrown: no worker may keep probing for a sweep that failed to start.
    static func startThreads(_ workers: [SweepWorker], counters: SweepCounters,
                             start: (SweepWorker) throws -> WorkerThread) throws -> [WorkerThread] {
        var threads: [WorkerThread] = []
        do {
            for worker in workers { threads.append(try start(worker)) }
        } catch {
            counters.cancelled.store(true, ordering: .relaxed)
            threads.forEach { $0.join() }
            throw error
        }
        return threads
    }

    private func snapshot(_ counters: SweepCounters, hostCount: Int, ports: Int, final: Bool) -> SweepProgress {
        let done = counters.portsDone.load(ordering: .relaxed)
        let total = max(done, hostCount * ports)
        return SweepProgress(portsDone: final ? total : min(done, max(0, total - 1)), portsTotal: total)
    }

    private func merge(host: ScanHost, tallies: [SweepWorker.HostTally], notes: [HostNote], roundTrip: UInt64?) -> HostSweepResult {
        var open = PortSet(), filtered = PortSet()
        for tally in tallies {
            open.formUnion(tally.open)
            filtered.formUnion(tally.filtered)
        }
        return HostSweepResult(host: host, open: open, filtered: filtered,
                               closedCount: tallies.reduce(0) { $0 + $1.closed },
                               notes: notes, roundTrip: roundTrip.map { .nanoseconds(Int64($0)) })
    }
}
