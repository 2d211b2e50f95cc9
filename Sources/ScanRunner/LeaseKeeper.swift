// Keeps the lease of the scan being worked on: fenced progress/heartbeat writes (SkannrStore's
// ScanLease) at most every
// `progressInterval` (during the sweep) or when the LeaseTimer says a heartbeat is due, and the
// verdict they bring back (lease lost, a cancel included). A transient database error is tolerated
// until the local lease expiry; after that the scan is abandoned (another runner will take it).
import Foundation
import Logging
import SkannrStore

final class LeaseKeeper {
    let store: ScanLifecycleStore
    let lease: ScanLease
    let progressInterval: Duration
    private var timer: LeaseTimer
    private var lastWrite: ContinuousClock.Instant
    private(set) var lost: RunnerError?
    /// Logs one "progress" line per progress write when set.
    var logger: Logger?

    init(store: ScanLifecycleStore, lease: ScanLease, claimedAt: ContinuousClock.Instant,
         heartbeatInterval: Duration, progressInterval: Duration) {
        self.store = store
        self.lease = lease
        self.progressInterval = progressInterval
        timer = LeaseTimer(claimedAt: claimedAt, duration: lease.duration, heartbeatInterval: heartbeatInterval)
        lastWrite = claimedAt
    }

    /// True once work on the scan must stop (lease lost: taken over, cancelled or deleted).
    var mustStop: Bool { lost != nil }

    /// Writes progress when `progressInterval` passed (or `force`), a bare heartbeat when one is due.
    func tick(progress: Double? = nil, hostsDone: Int? = nil, hostsTotal: Int? = nil, force: Bool = false) {
        guard lost == nil else { return }
        let now = ContinuousClock.now
        let action = timer.action(at: now)
        if action == .stop {
            lost = RunnerError(.leaseLost, "lease of scan \(lease.scanID) expired locally without a successful heartbeat")
            return
        }
        let progressDue = progress != nil && now - lastWrite >= progressInterval
        guard force || progressDue || action == .heartbeat else { return }
        do {
            try store.heartbeat(lease, progress: progress, hostsDone: hostsDone, hostsTotal: hostsTotal)
            timer.renewed(sentAt: now)
            lastWrite = now
            if let logger, let progress {
                ScanEventLog.progress(logger, scanID: lease.scanID, percent: progress, hostsDone: hostsDone)
            }
        } catch let error as LeaseLostError {
            timer.rejected()
            lost = RunnerError(.leaseLost, error.message)
        } catch {
            // Transient (database away): try again next tick; the local expiry bounds how long.
        }
    }

    /// Throws the lease loss, if any (before a write the caller must not make).
    func check() throws {
        if let lost { throw lost }
    }
}
