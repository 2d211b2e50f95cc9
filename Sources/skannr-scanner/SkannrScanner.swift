// skannr-scanner: `run` claims and executes scans until SIGTERM (scripts/lib/stack.sh starts
// `run --config $RT/skannr.env`), `trigger-all` enqueues bulk scans for every account (cron),
// `schedule --once` enqueues due scheduled scans. Thin: parse, configure, run.
import SkannrSettings
import ArgumentParser
import Dispatch
import Foundation
import Logging
import Observability
import ScanRunner
import SkannrStore

@main
struct SkannrScanner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skannr-scanner",
        abstract: "Skannr's scan-runner: claims scans from MariaDB, sweeps ports, probes TLS, writes results and alerts.",
        subcommands: [Run.self, TriggerAll.self, Schedule.self],
        defaultSubcommand: Run.self)
}

struct CommonOptions: ParsableArguments {
    @Option(help: "Settings file of KEY=value lines (SKANNR_* environment variables override it).")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func load() throws -> (RunnerConfiguration, Logger) {
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "skannr.scanner")
        do {
            return (try RunnerConfiguration(settings: Settings.load(file: config)), logger)
        } catch {
            logger.critical("invalid configuration", metadata: ["event": "config_failed", "error": "\(error)"])
            throw ExitCode(78)
        }
    }

    /// One enqueueing pass (`trigger-all`, `schedule`): its report as one log line `event`, a failure
    /// as one line `<command>_failed` and exit 1.
    func enqueue(command: String, event: String, _ pass: (RunnerConfiguration) throws -> ScheduleReport) throws {
        let (configuration, logger) = try load()
        do {
            let report = try pass(configuration)
            logger.info("\(command) done", metadata: [
                "event": "\(event)", "enqueued": "\(report.enqueued)", "busy": "\(report.busy)", "refused": "\(report.refused)",
            ])
        } catch {
            let failed = command.replacingOccurrences(of: "-", with: "_") + "_failed"
            logger.error("\(command) failed", metadata: ["event": "\(failed)", "error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Claim and execute scans until SIGTERM/SIGINT.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Process at most one waiting scan, then exit (tests).")
    var once = false

    func run() throws {
        let (configuration, logger) = try common.load()
        // Scan metrics go to SKANNR_METRICS_DIR (the API's /metrics sums every slot file there).
        ProcessMetrics.install(MetricsRecorder(directory: configuration.metricsDirectory, role: "runner"))
        let (stop, sources) = StopSignal.onTermination(logger: logger)
        ScanRunner(configuration: configuration, stop: stop, logger: logger).run(once: once)
        sources.forEach { $0.cancel() }
    }
}

struct TriggerAll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger-all",
        abstract: "Enqueue a bulk scan for every account's enabled target that has no pending or running scan (cron).")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.enqueue(command: "trigger-all", event: "trigger_all") { try $0.triggerAll() }
    }
}

struct Schedule: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enqueue the scheduled scans that are due, then exit.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "Run one scheduling pass and exit (the only mode; `run` schedules continuously).")
    var once = false

    func run() throws {
        try common.enqueue(command: "schedule", event: "scheduled") { try $0.scheduleDue() }
    }
}
