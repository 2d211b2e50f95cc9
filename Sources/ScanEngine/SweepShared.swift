// State the sweep's worker threads share: the lazily iterated work (hosts × ports, handed out in
// chunks), the politeness buckets and the counters. Trap: everything here is touched under `lock` only.
import Glibc
import Synchronization

/// A pthread mutex owned by a class (never copied).
final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A run of ports of one host for one worker.
struct WorkChunk {
    let hostIndex: Int
    let address: SocketAddress
    let ports: Range<Int>   // indices into the sweep's port list
}

/// Hands out (host, port range) chunks; pulls hosts from the caller's sequence only when needed.
final class WorkSource: @unchecked Sendable {
    private let lock = Lock()
    private var iterator: AnyIterator<ScanHost>
    private let portCount: Int
    private let chunkSize: Int
    private var current: (index: Int, address: SocketAddress)?
    private var cursor = 0
    private(set) var hosts: [ScanHost] = []
    private var exhausted = false

    init<S: Sequence<ScanHost>>(hosts: S, portCount: Int, chunkSize: Int) {
        var it = hosts.makeIterator()
        self.iterator = AnyIterator { it.next() }
        self.portCount = portCount
        self.chunkSize = max(1, chunkSize)
    }

    func next() -> WorkChunk? {
        lock.withLock {
            guard portCount > 0 else { return nil }
            while !exhausted {
                if let host = current, cursor < portCount {
                    let end = min(portCount, cursor + chunkSize)
                    defer { cursor = end }
                    return WorkChunk(hostIndex: host.index, address: host.address, ports: cursor..<end)
                }
                guard let host = iterator.next() else {
                    exhausted = true
                    break
                }
                // ScanHost validated the address already; an unparsable one cannot get here.
                guard let address = SocketAddress(numeric: host.address, port: 0) else { continue }
                hosts.append(host)
                current = (hosts.count - 1, address)
                cursor = 0
            }
            return nil
        }
    }

    var hostsSeen: [ScanHost] { lock.withLock { hosts } }
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
