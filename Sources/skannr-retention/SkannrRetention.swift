// skannr-retention: one bounded run of the retention job (RetentionStore) with the scan-runner's
// settings and database user, for cron or a systemd timer; prints its report as one JSON line.
// Safe to start on several machines at once: a run that finds another one working returns "busy".
import ArgumentParser
import Foundation
import MariaDB
import ScanRunner
import SkannrCore
import SkannrSettings
import SkannrStore

@main
struct SkannrRetention: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skannr-retention",
        abstract: "Delete the per-host and per-port rows of scans past their plan's kept window (one bounded run).")

    @Option(help: "Settings file of KEY=value lines (SKANNR_* environment variables override it).")
    var config: String?

    func run() throws {
        let settings = try Settings.load(file: config)
        let database = try RunnerConfiguration(settings: settings).database
        let report = try RetentionStore(connection: Connection(config: database))
            .run(policy: try Self.policy(settings), limits: try Self.limits(settings))
        print(#"{"event":"retention_done","scans_pruned":\#(report.scansPruned),"rows_deleted":\#(report.rowsDeleted),"transactions":\#(report.transactions),"stopped_by":"\#(report.stoppedBy.rawValue)"}"#)
    }

    /// SKANNR_RETENTION_KEEP_SCANS_<FREE|PRO|BUSINESS>: completed scans per target that keep their results.
    static func policy(_ settings: Settings) throws -> RetentionPolicy {
        var keep: [Plan: Int] = [:]
        for plan in Plan.allCases {
            keep[plan] = try settings.int("SKANNR_RETENTION_KEEP_SCANS_\(plan.rawValue.uppercased())",
                                          default: RetentionPolicy.defaults.keep(for: plan), min: 2)
        }
        return RetentionPolicy(keepCompletedScans: keep)
    }

    static func limits(_ settings: Settings) throws -> RetentionLimits {
        let defaults = RetentionLimits()
        return RetentionLimits(
            rowsPerTransaction: try settings.int("SKANNR_RETENTION_ROWS_PER_TRANSACTION", default: defaults.rowsPerTransaction, min: 1),
            maxTransactions: try settings.int("SKANNR_RETENTION_MAX_TRANSACTIONS", default: defaults.maxTransactions, min: 1),
            maxSeconds: Double(try settings.int("SKANNR_RETENTION_MAX_SECONDS", default: Int(defaults.maxSeconds), min: 1)))
    }
}
