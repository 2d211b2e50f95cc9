// State the sweep's worker threads share: the lazily iterated work (hosts × ports, handed out in
// chunks), the politeness buckets and the counters. Trap: everything here is touched under `lock` only.
import Glibc
import Synchronization

/// Swift's `Mutex` (Synchronization) guarding the fields of the class that owns it, for the classes
/// whose state is several fields touched together (a `Mutex<State>` would move them all into a struct).
/// Non-throwing on purpose: no critical section here may throw.
final class Lock: Sendable {
    private let mutex = Mutex(())
    func withLock<R>(_ body: () -> R) -> R {
        mutex.withLock { _ in body() }
    }
}

/// A run of ports of one host for one worker.
struct WorkChunk {
    let hostIndex: Int
    let address: SocketAddress
    let ports: Range<Int>   // indices into the sweep's (shuffled) port list
}

/// Hands out (host, port range) chunks, interleaving the hosts it has open so that the scan spreads over
/// many hosts; pulls hosts from the caller's sequence only when needed, a block at a time, and opens
/// each block in random order. A worker whose hosts are all held by their windows asks for the others
/// (`avoiding`), and more hosts are opened for it: one slow host never holds the scan.
final class WorkSource: @unchecked Sendable {
    private struct OpenHost {
        let index: Int
        let address: SocketAddress
        var cursor = 0
    }

    private let lock = Lock()
    private var iterator: AnyIterator<ScanHost>
    private let portCount: Int
    private let chunkSize: Int
    private let shuffles: Bool
    /// Hosts interleaved at once when nothing holds them; up to `maxOpen` when windows do.
    private let openTarget = 16
    private let maxOpen = 4096
    private var open: [OpenHost] = []
    private var ahead: [OpenHost] = []
    private var roundRobin = 0
    private(set) var hosts: [ScanHost] = []
    private var exhausted = false

    init<S: Sequence<ScanHost>>(hosts: S, portCount: Int, chunkSize: Int, shuffles: Bool = true) {
        var it = hosts.makeIterator()
        self.iterator = AnyIterator { it.next() }
        self.portCount = portCount
        self.chunkSize = max(1, chunkSize)
        self.shuffles = shuffles
    }

    /// The next chunk of a host not in `avoiding`; nil when there is none now (see `isDrained`).
    func next(avoiding: Set<Int> = []) -> WorkChunk? {
        lock.withLock {
            guard portCount > 0 else {
                exhausted = true
                return nil
            }
            while open.count < openTarget, openOne() {}
            while true {
                for _ in 0..<open.count {
                    let i = roundRobin % open.count
                    roundRobin &+= 1
                    guard !avoiding.contains(open[i].index) else { continue }
                    let start = open[i].cursor, end = min(portCount, start + chunkSize)
                    let chunk = WorkChunk(hostIndex: open[i].index, address: open[i].address, ports: start..<end)
                    if end >= portCount { open.remove(at: i) } else { open[i].cursor = end }
                    return chunk
                }
                guard open.count < maxOpen, openOne() else { return nil }
            }
        }
    }

    /// True once every port of every host has been handed out.
    var isDrained: Bool { lock.withLock { open.isEmpty && ahead.isEmpty && exhausted } }

    var hostsSeen: [ScanHost] { lock.withLock { hosts } }

    /// Opens one more host (reading the next block of the sequence when needed). Under `lock`.
    private func openOne() -> Bool {
        if ahead.isEmpty, !exhausted {
            // Indices follow the caller's order (results come back in it); the sending order is random.
            while ahead.count < 256, let host = iterator.next() {
                // ScanHost validated the address already; an unparsable one cannot get here.
                guard let address = SocketAddress(numeric: host.address, port: 0) else { continue }
                hosts.append(host)
                ahead.append(OpenHost(index: hosts.count - 1, address: address))
            }
            if ahead.count < 256 { exhausted = true }
            if shuffles { ahead.shuffle() } else { ahead.reverse() }
        }
        guard let host = ahead.popLast() else { return false }
        open.append(host)
        return true
    }
}

/// The per-host and per-scan token buckets; `nil` limits cost nothing (no lock taken).
final class Politeness: @unchecked Sendable {
    private let lock = Lock()
    private let perHost: Int?
    private var hostBuckets: [Int: TokenBucket] = [:]
    private var scanBucket: TokenBucket?
    let isLimited: Bool

    init(perHost: Int?, perScan: Int?, now: UInt64) {
        self.perHost = perHost
        self.scanBucket = perScan.map { TokenBucket(ratePerSecond: $0, now: now) }
        self.isLimited = perHost != nil || perScan != nil
    }

    /// Grants up to `want` probes to `host` now; when it grants none, also says how long to wait (ns).
    func take(host: Int, want: Int, now: UInt64) -> (granted: Int, wait: UInt64) {
        guard isLimited else { return (want, 0) }
        return lock.withLock {
            var granted = want
            if let rate = perHost {
                var bucket = hostBuckets[host] ?? TokenBucket(ratePerSecond: rate, now: now)
                granted = min(granted, bucket.available(now: now))
                hostBuckets[host] = bucket
            }
            if var bucket = scanBucket {
                granted = min(granted, bucket.available(now: now))
                scanBucket = bucket
            }
            if granted > 0 {
                hostBuckets[host]?.spend(granted)
                scanBucket?.spend(granted)
                return (granted, 0)
            }
            var wait: UInt64 = 0
            if var bucket = hostBuckets[host] { wait = max(wait, bucket.wait(now: now)); hostBuckets[host] = bucket }
            if var bucket = scanBucket { wait = max(wait, bucket.wait(now: now)); scanBucket = bucket }
            return (0, max(wait, 1_000_000))
        }
    }
}

/// Counters and the cancel flag, read by the coordinating thread while workers run.
final class SweepCounters: Sendable {
    let portsDone = Atomic<Int>(0)
    let cancelled = Atomic<Bool>(false)
    let workersFinished = Atomic<Int>(0)
}
