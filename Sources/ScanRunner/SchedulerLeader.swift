// The scheduler on its own thread and connection (issue 20): of all runner processes, the one whose
// connection holds the named lock (ScanLifecycleStore.takeLeadership) enqueues the due scheduled scans
// every `scheduleInterval`; the others try to take the lock over every few seconds. No scan ever runs
// on this thread, so a long scan never delays scheduling. A database error drops the connection (and
// with it the lock): leadership is taken again from scratch. The leader also runs the results
// retention job (issue 20) in short passes, so a deployment needs no cron line for it.
import Foundation
import Logging
import SkannrSettings
import SkannrStore
import Synchronization

final class SchedulerLeader: Sendable {
    static let lockName = "skannr.scheduler"
    let configuration: RunnerConfiguration
    let stop: StopSignal
    let logger: Logger

    init(configuration: RunnerConfiguration, stop: StopSignal, logger: Logger) {
        self.configuration = configuration
        self.stop = stop
        self.logger = logger
    }

    /// Runs until stopped (blocking: give it a thread).
    func run() {
        let scheduler = ScanScheduler(batchSize: configuration.scheduleBatch, plans: configuration.plans, graceDays: configuration.billingGraceDays)
        var store: ScanLifecycleStore?
        var leading = false
        while !stop.isRequested {
            do {
                let db = try store ?? ScanLifecycleStore(config: configuration.database)
                store = db
                leading = try leading ? db.holdsLeadership(Self.lockName) : db.takeLeadership(Self.lockName)
                if leading {
                    try pass(scheduler, db)
                }
            } catch {
                logger.error("scheduler pass failed", metadata: ["event": "schedule_failed", "error": "\(error)"])
                store = nil
                leading = false
            }
            logLeadership(leading)
            stop.sleep(leading ? configuration.scheduleInterval : configuration.scheduleInterval * 3)
        }
        if leading { store?.releaseLeadership(Self.lockName) }
    }

    private func pass(_ scheduler: ScanScheduler, _ db: ScanLifecycleStore) throws {
        let report = try scheduler.enqueueAllDue(db)
        if report.total > 0 {
            logger.info("scheduled scans enqueued", metadata: [
                "event": "scheduled", "enqueued": "\(report.enqueued)", "busy": "\(report.busy)", "refused": "\(report.refused)",
            ])
        }
        retentionPass(db)
    }

    private let lastRetention = Mutex<ContinuousClock.Instant?>(nil)

    /// A short retention pass when its interval has passed (first one right after taking the lead).
    /// Its failure (a deadlock, a lock wait) is logged and tried again next interval: it must not cost
    /// the scheduler its leadership, as a failed scheduling pass does.
    private func retentionPass(_ db: ScanLifecycleStore) {
        let settings = configuration.retention
        guard settings.leaderIntervalSeconds > 0 else { return }
        let now = ContinuousClock.now
        let due = lastRetention.withLock { last -> Bool in
            guard last.map({ now - $0 >= .seconds(settings.leaderIntervalSeconds) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let report: RetentionReport
        do {
            report = try db.retention.run(policy: RetentionPolicy(settings), limits: RetentionLimits(settings, leaderPass: true))
        } catch {
            logger.warning("retention pass failed", metadata: ["event": "retention_failed", "error": "\(error)"])
            return
        }
        if report.rowsDeleted > 0 {
            logger.info("retention pass", metadata: [
                "event": "retention_done", "scans_pruned": "\(report.scansPruned)", "rows_deleted": "\(report.rowsDeleted)",
                "stopped_by": "\(report.stoppedBy.rawValue)",
            ])
        }
    }

    private let wasLeading = LeadershipFlag()

    /// One log line per change: "scheduler_leader" when this process becomes the leader, "scheduler_standby" when it stops being one.
    private func logLeadership(_ leading: Bool) {
        guard wasLeading.exchange(leading) != leading else { return }
        logger.info(leading ? "scheduler leadership taken" : "scheduler leadership lost", metadata: [
            "event": "\(leading ? "scheduler_leader" : "scheduler_standby")", "scanner_id": "\(configuration.scannerID)",
        ])
    }
}

/// The last logged leadership state (the leader thread only; atomic to keep the type Sendable).
final class LeadershipFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func exchange(_ new: Bool) -> Bool { value.exchange(new, ordering: .relaxed) }
}
