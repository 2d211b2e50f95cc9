// skannr-notifier: delivers the notification outbox (webhooks, Slack, email) until SIGTERM/SIGINT.
// A third executable rather than a scan-runner mode: it is the one process that connects to
// user-chosen URLs and holds the SMTP credentials, so it can run with its own egress rules and
// scale apart from scanning; any number may run on any hosts (claims use SKIP LOCKED + leases).
// Thin: parse, configure, run. The shared keys (database, private targets, metrics) are read with
// the scan-runner's RunnerConfiguration, so one settings file serves every process.
import ArgumentParser
import Dispatch
import Foundation
import Logging
import Notifications
import Observability
import ScanRunner
import SkannrSettings

@main
struct SkannrNotifier: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skannr-notifier",
        abstract: "Skannr's notification worker: sends alert events to webhooks, Slack and email, at least once and in order.")

    @Option(help: "Settings file of KEY=value lines (SKANNR_* environment variables override it).")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() throws {
        JSONLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "skannr.notifier")
        let shared: RunnerConfiguration
        let configuration: NotifierConfiguration
        do {
            let settings = try Settings.load(file: config)
            shared = try RunnerConfiguration(settings: settings)
            configuration = try NotifierConfiguration(settings: settings, allowPrivate: shared.allowPrivateTargets,
                                                      workerID: shared.scannerID)
        } catch {
            logger.critical("invalid configuration", metadata: ["event": "config_failed", "error": "\(error)"])
            throw ExitCode(78)
        }
        let metrics = MetricsRecorder(directory: shared.metricsDirectory, role: "notifier")
        let (stop, sources) = StopSignal.onTermination(logger: logger)
        logger.info("notifier started", metadata: [
            "event": "notifier_started", "threads": "\(configuration.threads)", "smtp": "\(configuration.smtp != nil)",
            "backoff": "\(configuration.schedule.delays)",
        ])
        DeliveryWorker(configuration: configuration, database: shared.database, logger: logger, metrics: metrics,
                       shouldStop: { stop.isRequested }).run()
        sources.forEach { $0.cancel() }
    }
}
