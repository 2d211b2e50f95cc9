// Takes one claimed scan forward: its units (SkannrStore.ScanUnits) one after another, each kept when
// it completes; after `turn` with units left the scan is given back (`yielded`: pending again, the
// attempt refunded) so the fair claim order picks what runs next; when the last unit is done, the
// whole-scan steps (tarpit sample, budgets, confirmation) and the write-back (completed). Errors are
// sorted here: a lost lease writes nothing more (and ends `cancelled` when the loss is the API's
// cancel); a permanent problem (bad port list, nothing allowed, name not resolvable) fails at once;
// anything else is retried by giving the scan back until it has been claimed maxAttempts times.
// SIGTERM releases the scan (pending, attempt refunded), its done units kept.
// Exactly-once completion: only the lease holder runs the last steps, and the write-back is fenced
// by the lease in the transaction that marks the scan completed.
import Foundation
import Logging
import SkannrCore
import SkannrStore

public enum ScanEnd: Sendable, Equatable {
    case completed(WriteSummary)
    case cancelled
    case released
    /// The turn was over with units left: the scan is pending again (units done so far kept).
    case yielded(unitsDone: Int, unitsTotal: Int)
    case failed(String)
    case retry(String)
    case leaseLost(String)
}

struct ScanProcessor {
    let configuration: RunnerConfiguration
    let stop: StopSignal
    let logger: Logger
    var executor: ScanExecutor
    var now: @Sendable () -> Date = { Date() }

    init(configuration: RunnerConfiguration, stop: StopSignal, logger: Logger) {
        self.configuration = configuration
        self.stop = stop
        self.logger = logger
        executor = ScanExecutor(configuration: configuration, stop: stop)
    }

    func process(_ scan: ClaimedScan, claimedAt: ContinuousClock.Instant, store: ScanLifecycleStore) -> ScanEnd {
        let lease = ScanLease(scan: scan, duration: configuration.leaseDuration)
        let keeper = LeaseKeeper(store: store, lease: lease, claimedAt: claimedAt,
                                 heartbeatInterval: configuration.heartbeatInterval, progressInterval: configuration.progressInterval)
        keeper.logger = logger
        let started = ContinuousClock.now
        let end: ScanEnd
        do {
            switch try run(scan, claimedAt: claimedAt, keeper: keeper, store: store) {
            case .completed(var outcome):
                try keeper.check()
                outcome.confirmations = try confirmations(outcome, scan: scan, keeper: keeper, store: store)
                try keeper.check()
                end = .completed(try store.complete(scan, outcome, now: now()))
            case .stopped:
                try store.release(lease, refundAttempt: true)
                end = .released
            case .yielded(let done, let total):
                try store.release(lease, refundAttempt: true)
                end = .yielded(unitsDone: done, unitsTotal: total)
            }
        } catch let error as RunnerError where error.code == .leaseLost {
            end = Self.lost(error.message, scanID: scan.id, store: store)
        } catch let error as LeaseLostError {
            end = Self.lost(error.message, scanID: scan.id, store: store)
        } catch let error as RunnerError where error.isPermanent {
            end = settle(scan, store) { try store.fail(lease, reason: error.message, now: now()) } ?? .failed(error.message)
        } catch {
            let reason = "attempt \(scan.attempts) failed: \(error)"
            if scan.attempts >= configuration.maxAttempts {
                let message = "gave up after \(scan.attempts) attempts: \(error)"
                end = settle(scan, store) { try store.fail(lease, reason: message, now: now()) } ?? .failed(message)
            } else {
                end = settle(scan, store) { try store.release(lease, refundAttempt: false, reason: reason) } ?? .retry(reason)
            }
        }
        ScanEventLog.ended(logger, scan: scan, end: end, elapsed: ContinuousClock.now - started)
        return end
    }

    enum RunEnd {
        case completed(ScanOutcome)
        case stopped
        case yielded(Int, Int)
    }

    /// The scan's units that are not done yet, within this claim's turn, then the merge.
    private func run(_ scan: ClaimedScan, claimedAt: ContinuousClock.Instant, keeper: LeaseKeeper,
                     store: ScanLifecycleStore) throws -> RunEnd {
        let (plan, ports) = try executor.prepare(scan, keeper: keeper)
        let lease = keeper.lease
        let units = try store.units(lease, hosts: plan.unitHosts, ports: ports.count, probesPerUnit: configuration.probesPerUnit)
        var outcomes = units.compactMap(\.outcome)
        // The duration budget is the scan's, from its first claim, not this turn's.
        let used = Duration.milliseconds(Int64(max(0, Date().timeIntervalSince(scan.startedAt)) * 1000))
        let deadline = claimedAt + configuration.maxScanDuration - used
        var ranOne = false, outOfTime = false
        for unit in units where unit.outcome == nil {
            if ranOne && ContinuousClock.now - claimedAt >= configuration.turn { return .yielded(outcomes.count, units.count) }
            let position = UnitPosition(unitsDone: outcomes.count, unitsTotal: units.count, hostsTotal: plan.expectedHosts)
            let tlsBudget = configuration.tlsMaxProbes - outcomes.reduce(0) { $0 + $1.tlsProbes }
            switch try executor.executeUnit(unit.slice, plan: plan, ports: ports, position: position, deadline: deadline,
                                            tlsBudget: tlsBudget, keeper: keeper) {
            case .stopped:
                return .stopped
            case .done(let outcome):
                let overall = UnitPosition(unitsDone: outcomes.count + 1, unitsTotal: units.count, hostsTotal: plan.expectedHosts).overall(0)
                try store.completeUnit(lease, seq: unit.seq, outcome, progress: overall.percent, hostsDone: overall.hostsDone)
                outcomes.append(outcome)
                ranOne = true
                outOfTime = outcome.partial
            }
            if outOfTime { break }
        }
        let complete = outcomes.count == units.count
        switch try executor.finish(outcomes, complete: complete, plan: plan, ports: ports, scan: scan, keeper: keeper) {
        case .completed(let outcome): return .completed(outcome)
        case .stopped: return .stopped
        }
    }

    /// Confirmed changes before alerts: the pairs that differ from the target's baseline are probed
    /// again (empty answers when stopped: nothing then counts as confirmed, the baseline stays).
    private func confirmations(_ outcome: ScanOutcome, scan: ClaimedScan, keeper: LeaseKeeper,
                               store: ScanLifecycleStore) throws -> [AddressPort: ProbeAnswer] {
        let baseline = try store.baseline(targetID: scan.targetID, before: scan.id)
        let pairs = ChangeConfirmation().candidates(baseline: baseline, current: outcome.snapshot)
        let answers = try executor.confirm(pairs, keeper: keeper) ?? [:]
        if !pairs.isEmpty {
            logger.info("confirmed changes", metadata: ["scan_id": "\(scan.id)", "candidates": "\(pairs.count)",
                                                       "answered": "\(answers.count)"])
        }
        return answers
    }

    /// Runs a closing write; a lost lease there is reported as such, other errors leave the lease to expire.
    private func settle(_ scan: ClaimedScan, _ store: ScanLifecycleStore, _ write: () throws -> Void) -> ScanEnd? {
        do {
            try write()
            return nil
        } catch let error as LeaseLostError {
            return Self.lost(error.message, scanID: scan.id, store: store)
        } catch {
            return .leaseLost("closing write failed (\(error)); the lease will expire")
        }
    }

    /// A lost lease is `cancelled` when the scan now is (the user's cancel, not a fault), else leaseLost.
    private static func lost(_ message: String, scanID: Int64, store: ScanLifecycleStore) -> ScanEnd {
        store.isCancelled(scanID: scanID) ? .cancelled : .leaseLost(message)
    }
}
