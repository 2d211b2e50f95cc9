// Every setting of skannr-notifier that is its own (SKANNR_NOTIFY_*, SKANNR_SMTP_*), read once and
// validated. The database, SKANNR_ALLOW_PRIVATE_TARGETS and SKANNR_METRICS_DIR are the shared keys
// (the executable reads them with the scan-runner's RunnerConfiguration). Secrets never reach a log.
import Foundation
import ScanRunner
import SkannrCore
import SkannrSettings

public struct NotifierConfiguration: Sendable {
    /// Waits after failed attempts (SKANNR_NOTIFY_BACKOFF_SECONDS, comma-separated).
    public var schedule: RetrySchedule
    public var leaseSeconds: Int
    /// Sender threads in this process (each with its own database connection and HTTP client).
    public var threads: Int
    public var channelsPerClaim: Int
    public var perChannel: Int
    public var pollMinimum: Duration
    public var pollMaximum: Duration
    public var timeout: Duration
    public var maxResponseBytes: Int
    /// A channel failing this long is disabled (the contract's 3 days).
    public var disableAfterSeconds: Int
    /// Extra CA bundle for webhook TLS (development: a self-signed receiver); nil = the system's.
    public var caFile: String?
    public var smtp: SMTPSettings?
    /// Where webhooks may go: the address policy (private only when allowed) and the optional
    /// allow-list SKANNR_NOTIFY_ONLY_NETWORKS (test stacks pin it to loopback).
    public var scope: ScanScope
    public var allowPrivate: Bool { scope.allowPrivate }
    public var workerID: String

    public struct SMTPSettings: Sendable {
        public var url: String
        public var from: String
        public var username: String?
        public var password: String?
        public var caFile: String?
    }

    public init(settings: Settings, allowPrivate: Bool, workerID: String) throws {
        guard let schedule = RetrySchedule.parse(settings.string("SKANNR_NOTIFY_BACKOFF_SECONDS", default: "60,300,1800,7200,21600,43200")) else {
            throw SettingsError(key: "SKANNR_NOTIFY_BACKOFF_SECONDS", "must be positive integers separated by commas")
        }
        self.schedule = schedule
        leaseSeconds = try settings.int("SKANNR_NOTIFY_LEASE_SECONDS", default: 120, min: 5)
        threads = try settings.int("SKANNR_NOTIFY_THREADS", default: 2, min: 1)
        channelsPerClaim = try settings.int("SKANNR_NOTIFY_CHANNELS_PER_CLAIM", default: 10, min: 1)
        perChannel = try settings.int("SKANNR_NOTIFY_PER_CHANNEL", default: 20, min: 1)
        pollMinimum = .milliseconds(try settings.int("SKANNR_NOTIFY_POLL_MIN_MS", default: 50, min: 1))
        pollMaximum = .milliseconds(try settings.int("SKANNR_NOTIFY_POLL_MAX_MS", default: 250, min: 1))
        timeout = .seconds(try settings.int("SKANNR_NOTIFY_TIMEOUT_SECONDS", default: 10, min: 1))
        maxResponseBytes = try settings.int("SKANNR_NOTIFY_MAX_RESPONSE_BYTES", default: 65536, min: 0)
        disableAfterSeconds = try settings.int("SKANNR_NOTIFY_DISABLE_AFTER_SECONDS", default: 3 * 86400, min: 1)
        caFile = settings.nonEmpty("SKANNR_NOTIFY_CA_FILE")
        if let url = settings.nonEmpty("SKANNR_SMTP_URL") {
            smtp = SMTPSettings(url: url, from: settings.string("SKANNR_SMTP_FROM", default: "skannr@localhost"),
                                username: settings.nonEmpty("SKANNR_SMTP_USER"), password: try settings.secret("SKANNR_SMTP_PASSWORD"),
                                caFile: settings.nonEmpty("SKANNR_SMTP_CA_FILE"))
        }
        do {
            scope = ScanScope(allowPrivate: allowPrivate, onlyNetworks: try ScanScope.networks(settings.string("SKANNR_NOTIFY_ONLY_NETWORKS", default: "")))
        } catch {
            throw SettingsError(key: "SKANNR_NOTIFY_ONLY_NETWORKS", "must list networks: \(error.message)")
        }
        self.workerID = settings.string("SKANNR_NOTIFY_ID", default: workerID)
        if pollMaximum < pollMinimum { pollMaximum = pollMinimum }
        guard Int(timeout.components.seconds) + 5 < leaseSeconds else {
            throw SettingsError(key: "SKANNR_NOTIFY_LEASE_SECONDS", "must exceed SKANNR_NOTIFY_TIMEOUT_SECONDS by more than 5")
        }
    }
}
