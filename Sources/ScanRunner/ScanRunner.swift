// The runner's loop: claim one scan, process it, repeat; back off while idle (poll delay doubling
// from pollMinimum to pollMaximum, reset by work). `concurrentScans` loops run on their own threads,
// each with its own database connection, so one process overlaps many scans' waits (a dead host's
// timeouts); scheduling is a thread of its own (SchedulerLeader: one leader among all runners).
// SIGTERM (StopSignal) stops claiming; the in-flight scans are released (pending again) and run() returns.
import Foundation
import Logging
import SkannrStore
import Synchronization

public final class ScanRunner: Sendable {
    public let configuration: RunnerConfiguration
    public let stop: StopSignal
    let logger: Logger

    public init(configuration: RunnerConfiguration, stop: StopSignal = StopSignal(), logger: Logger = Logger(label: "skannr.scanner")) {
        self.configuration = configuration
        self.stop = stop
        self.logger = logger
    }

    /// Runs until stopped. With `once`, processes at most one scan (none waiting: returns at once).
    /// Returns the scans' ends, for tests and --once.
    @discardableResult
    public func run(once: Bool = false) -> [ScanEnd] {
        logger.info("scanner started", metadata: [
            "event": "started", "scanner_id": "\(configuration.scannerID)", "concurrent_scans": "\(configuration.concurrentScans)",
        ])
        let slots = once ? 1 : configuration.concurrentScans
        let ends = EndsBox()
        let done = DispatchGroup()
        if !once {
            done.enter()
            let leader = SchedulerLeader(configuration: configuration, stop: stop, logger: logger)
            Thread {
                leader.run()
                done.leave()
            }.start()
        }
        for slot in 0..<slots {
            done.enter()
            let thread = Thread { [self] in
                ends.append(contentsOf: self.loop(slot: slot, once: once))
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        logger.info("scanner stopped", metadata: ["event": "stopped", "scanner_id": "\(configuration.scannerID)"])
        return ends.values
    }

    /// One claim-and-process step on `store`'s connection; nil when no scan was waiting.
    public func step(_ store: ScanLifecycleStore, slot: Int = 0) throws -> ScanEnd? {
        let claimer = ScanClaimer(scannerID: "\(configuration.scannerID)#\(slot)", leaseDuration: configuration.leaseDuration,
                                  maxAttempts: configuration.maxAttempts, maxRunningPerAccount: configuration.maxRunningScansPerAccount)
        for _ in 0..<100 {
            let claimedAt = ContinuousClock.now
            switch try claimer.claim(store) {
            case nil:
                return nil
            case .gaveUp(let scanID, let attempts):
                logger.warning("scan failed", metadata: ["event": "failed", "scan_id": "\(scanID)", "reason": "gave up after \(attempts) attempts"])
            case .claimed(let scan):
                ScanEventLog.claimed(logger, scan: scan)
                return ScanProcessor(configuration: configuration, stop: stop, logger: logger)
                    .process(scan, claimedAt: claimedAt, store: store)
            }
        }
        return nil
    }

    private func loop(slot: Int, once: Bool) -> [ScanEnd] {
        var ends: [ScanEnd] = []
        var backoff = PollBackoff(minimum: configuration.pollMinimum, maximum: configuration.pollMaximum)
        var connection: ScanLifecycleStore?
        while !stop.isRequested {
            do {
                let db = try connection ?? ScanLifecycleStore(config: configuration.database)
                connection = db
                if let end = try step(db, slot: slot) {
                    ends.append(end)
                    backoff.reset()
                    if once { return ends }
                    continue
                }
                if once { return ends }
            } catch {
                logger.error("scanner poll failed", metadata: ["event": "poll_failed", "error": "\(error)"])
                if once { return ends }
            }
            stop.sleep(backoff.nextDelay())
        }
        return ends
    }
}

/// Collects the loops' results across threads.
final class EndsBox: Sendable {
    private let storage = Mutex<[ScanEnd]>([])
    func append(contentsOf ends: [ScanEnd]) { storage.withLock { $0 += ends } }
    var values: [ScanEnd] { storage.withLock { $0 } }
}
