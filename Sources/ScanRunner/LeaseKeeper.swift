// Keeps the lease of the scan being worked on: fenced progress/heartbeat writes at most every
// `progressInterval` (during the sweep) or when the LeaseTimer says a heartbeat is due, and the
// verdict they bring back (lease lost, a cancel included). A transient database error is tolerated
// until the local lease expiry; after that the scan is abandoned (another runner will take it).
import Foundation
import Logging
import MariaDB

final class LeaseKeeper {
    let connection: Connection
    let fence: LeaseFence
    let progressInterval: Duration
    private var timer: LeaseTimer
    private var lastWrite: ContinuousClock.Instant
    private(set) var lost: RunnerError?
    /// Logs one "progress" line per progress write when set.
    var logger: Logger?

    init(connection: Connection, fence: LeaseFence, claimedAt: ContinuousClock.Instant,
         heartbeatInterval: Duration, progressInterval: Duration) {
        self.connection = connection
        self.fence = fence
        self.progressInterval = progressInterval
        timer = LeaseTimer(claimedAt: claimedAt, duration: fence.leaseDuration, heartbeatInterval: heartbeatInterval)
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
            lost = RunnerError(.leaseLost, "lease of scan \(fence.scanID) expired locally without a successful heartbeat")
            return
        }
        let progressDue = progress != nil && now - lastWrite >= progressInterval
        guard force || progressDue || action == .heartbeat else { return }
        do {
            try fence.heartbeat(connection, progress: progress, hostsDone: hostsDone, hostsTotal: hostsTotal)
            timer.renewed(sentAt: now)
            lastWrite = now
            if let logger, let progress {
                ScanEventLog.progress(logger, scanID: fence.scanID, percent: progress, hostsDone: hostsDone)
            }
        } catch let error as RunnerError where error.code == .leaseLost {
            timer.rejected()
            lost = error
        } catch {
            // Transient (database away): try again next tick; the local expiry bounds how long.
        }
    }

    /// Throws the lease loss, if any (before a write the caller must not make).
    func check() throws {
        if let lost { throw lost }
    }
}
