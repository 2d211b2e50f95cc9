// skannr-retention: one bounded run of the retention job (RetentionStore) with the scan-runner's
// settings and database user, for cron or a systemd timer; prints its report as one JSON line.
// Safe to start on several machines at once: a run that finds another one working returns "busy".
import ArgumentParser
import Foundation
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
        let database = try DatabaseSettings(settings: settings, role: .runner).config
        let retention = try RetentionSettings(settings: settings)
        let report = try RetentionStore(config: database).run(policy: RetentionPolicy(retention), limits: RetentionLimits(retention))
        print(#"{"event":"retention_done","scans_pruned":\#(report.scansPruned),"rows_deleted":\#(report.rowsDeleted),"transactions":\#(report.transactions),"stopped_by":"\#(report.stoppedBy.rawValue)"}"#)
    }
}
