// Every setting of skannr-scanner, read once from Settings and validated. The database keys are
// the API's (SKANNR_DB_*), so one settings file serves both. The report/README lists them with defaults.
import SkannrSettings
import Foundation
import ScanEngine
import SkannrStore
import SkannrCore

public struct RunnerConfiguration: Sendable {
    public var database: DatabaseConfig
    /// Loopback and private resolved addresses may be scanned (development and tests only).
    public var allowPrivateTargets: Bool
    /// When set, the only networks this runner connects to (SKANNR_SCANNER_ONLY_NETWORKS).
    public var onlyNetworks: [CIDRBlock]
    public var scope: ScanScope { ScanScope(allowPrivate: allowPrivateTargets, onlyNetworks: onlyNetworks) }
    /// Names this process in lease owners and logs (default hostname:pid).
    public var scannerID: String
    /// Scans processed at once by this process (one thread and one DB connection each).
    public var concurrentScans: Int
    /// How long a claim (or heartbeat) holds a scan before another runner may take it over.
    public var leaseDuration: Duration
    /// How often the lease is extended while working outside the sweep (TLS probes, write-back).
    public var heartbeatInterval: Duration
    /// How often progress (and the lease with it) is written during the sweep; cancellation is checked then.
    public var progressInterval: Duration
    /// A scan claimed this many times without completing ends `failed`.
    public var maxAttempts: Int
    public var probeTimeout: Duration
    public var retries: Int
    public var maxInFlight: Int
    /// Politeness (probes per second; nil = unlimited). Not applied to loopback targets.
    public var probesPerSecondPerHost: Int?
    public var probesPerSecondPerScan: Int?
    public var tlsTimeout: Duration
    /// TLS handshakes in progress at once (a thread each).
    public var tlsConcurrency: Int
    /// Most TLS probes per scan; the open ports beyond it are reported in the scan's limits.
    public var tlsMaxProbes: Int
    /// Name resolution: per-attempt deadline, attempts (temporary failures only), DNS servers (tests/bench).
    public var dnsTimeout: Duration
    public var dnsAttempts: Int
    public var dnsServers: [String]?
    /// Addresses scanned from one domain target (sorted order); the rest are reported as cut.
    public var maxAddressesPerName: Int
    public var pollMinimum: Duration
    public var pollMaximum: Duration
    /// Due targets handled per scheduling transaction, and how often the scheduler leader looks.
    public var scheduleBatch: Int
    public var scheduleInterval: Duration
    /// SKANNR_PLAN_* overrides, parsed like the API's (PlanSettings): both enforce the same numbers.
    public var plans: PlanCatalog
    /// Days a past-due subscription keeps its plan (SKANNR_BILLING_GRACE_DAYS, as the API).
    public var billingGraceDays: Int
    /// Scans of one account running at once across all runners (SKANNR_SCANNER_MAX_RUNNING_PER_ACCOUNT).
    public var maxRunningScansPerAccount: Int
    /// Budgets (issue 14): open ports stored per host and per scan, a scan's duration (addresses per
    /// domain: maxAddressesPerName). What is cut is said in the scan's summary and limits_hit.
    public var maxOpenPortsPerHost: Int
    public var maxOpenPortsPerScan: Int
    public var maxScanDuration: Duration
    /// Change confirmation: a (host, port) that differs from the baseline is probed again with these.
    public var confirmRetries: Int
    public var confirmTimeout: Duration
    /// Hosts with at least this many open ports are sampled on random unscanned ports (tarpit check).
    public var acceptsAllMinimumOpen: Int
    /// Work units (issue 20): probes per unit, and how long a runner keeps a scan with units left
    /// before giving it back to the fair claim order.
    public var probesPerUnit: Int
    public var turn: Duration
    /// Where the scan metrics slot goes (SKANNR_METRICS_DIR, shared with the API); nil = not recorded.
    public var metricsDirectory: String?
    /// Results retention: the scheduler leader runs a short pass every `leaderIntervalSeconds`.
    public var retention: RetentionSettings

    /// Reads and validates every setting; any problem is a `RunnerError` with code `.configuration`.
    public init(settings: Settings) throws {
        do {
            try self.init(validating: settings)
        } catch let error as SettingsError {
            throw RunnerError(.configuration, error.description)
        }
    }

    private init(validating settings: Settings) throws {
        database = try DatabaseSettings(settings: settings, role: .runner).config   // shared keys, one parser
        allowPrivateTargets = try settings.bool("SKANNR_ALLOW_PRIVATE_TARGETS", default: false)
        do {
            onlyNetworks = try ScanScope.networks(settings.string("SKANNR_SCANNER_ONLY_NETWORKS", default: ""))
        } catch {
            throw RunnerError(.configuration, "SKANNR_SCANNER_ONLY_NETWORKS: \(error.message)")
        }
        // Allowing private targets never widens what the runner reaches by itself: without an explicit
        // allow-list it stays on loopback, so a development stack cannot be pointed at a real LAN.
        if allowPrivateTargets && onlyNetworks.isEmpty { onlyNetworks = Self.loopbackNetworks }
        scannerID = settings.string("SKANNR_SCANNER_ID", default: Self.defaultScannerID())
        concurrentScans = try settings.int("SKANNR_SCANNER_CONCURRENT_SCANS", default: 16, min: 1)
        leaseDuration = .seconds(try settings.int("SKANNR_SCANNER_LEASE_SECONDS", default: 30, min: 2))
        heartbeatInterval = .seconds(try settings.int("SKANNR_SCANNER_HEARTBEAT_SECONDS", default: 10, min: 1))
        progressInterval = .milliseconds(try settings.int("SKANNR_SCANNER_PROGRESS_MS", default: 2000, min: 100))
        maxAttempts = try settings.int("SKANNR_SCANNER_MAX_ATTEMPTS", default: 3, min: 1)
        probeTimeout = .milliseconds(try settings.int("SKANNR_SCANNER_PROBE_TIMEOUT_MS", default: 1000, min: 10))
        retries = try settings.int("SKANNR_SCANNER_RETRIES", default: 1, min: 0)
        maxInFlight = try settings.int("SKANNR_SCANNER_MAX_IN_FLIGHT", default: 4096, min: 1)
        let perHost = try settings.int("SKANNR_SCANNER_RATE_PER_HOST", default: 5000, min: 0)
        let perScan = try settings.int("SKANNR_SCANNER_RATE_PER_SCAN", default: 20000, min: 0)
        probesPerSecondPerHost = perHost == 0 ? nil : perHost
        probesPerSecondPerScan = perScan == 0 ? nil : perScan
        tlsTimeout = .milliseconds(try settings.int("SKANNR_SCANNER_TLS_TIMEOUT_MS", default: 3000, min: 10))
        tlsConcurrency = min(1024, try settings.int("SKANNR_SCANNER_TLS_CONCURRENCY", default: 64, min: 1))
        tlsMaxProbes = try settings.int("SKANNR_SCANNER_TLS_MAX_PROBES", default: 2000, min: 0)
        dnsTimeout = .milliseconds(try settings.int("SKANNR_SCANNER_DNS_TIMEOUT_MS", default: 3000, min: 10))
        dnsAttempts = try settings.int("SKANNR_SCANNER_DNS_ATTEMPTS", default: 4, min: 1)
        let servers = settings.string("SKANNR_SCANNER_DNS_SERVERS", default: "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        dnsServers = servers.isEmpty ? nil : servers
        maxAddressesPerName = try settings.int("SKANNR_SCANNER_MAX_ADDRESSES_PER_NAME", default: 16, min: 1)
        pollMinimum = .milliseconds(try settings.int("SKANNR_SCANNER_POLL_MIN_MS", default: 200, min: 10))
        pollMaximum = .milliseconds(try settings.int("SKANNR_SCANNER_POLL_MAX_MS", default: 5000, min: 10))
        scheduleBatch = try settings.int("SKANNR_SCANNER_SCHEDULE_BATCH", default: 100, min: 1)
        scheduleInterval = .milliseconds(try settings.int("SKANNR_SCANNER_SCHEDULE_INTERVAL_MS", default: 1000, min: 10))
        let planSettings = try PlanSettings(settings: settings)   // the API's numbers, parsed by the same code
        plans = planSettings.catalog
        billingGraceDays = planSettings.billingGraceDays
        maxRunningScansPerAccount = try settings.int("SKANNR_SCANNER_MAX_RUNNING_PER_ACCOUNT", default: 16, min: 1)
        maxOpenPortsPerHost = try settings.int("SKANNR_SCANNER_MAX_OPEN_PER_HOST", default: 1000, min: 1)
        maxOpenPortsPerScan = try settings.int("SKANNR_SCANNER_MAX_OPEN_PER_SCAN", default: 20000, min: 1)
        maxScanDuration = .seconds(try settings.int("SKANNR_SCANNER_MAX_SCAN_SECONDS", default: 3600, min: 1))
        confirmRetries = try settings.int("SKANNR_SCANNER_CONFIRM_RETRIES", default: 4, min: 0)
        confirmTimeout = .milliseconds(try settings.int("SKANNR_SCANNER_CONFIRM_TIMEOUT_MS", default: 3000, min: 10))
        acceptsAllMinimumOpen = try settings.int("SKANNR_SCANNER_ACCEPTS_ALL_MIN_OPEN", default: 32, min: 1)
        probesPerUnit = try settings.int("SKANNR_SCANNER_PROBES_PER_UNIT", default: ScanWork.defaultProbesPerUnit, min: 1)
        turn = .seconds(try settings.int("SKANNR_SCANNER_TURN_SECONDS", default: 10, min: 1))
        metricsDirectory = MetricsSettings(settings: settings).directory
        retention = try RetentionSettings(settings: settings)
        guard heartbeatInterval < leaseDuration, progressInterval < leaseDuration else {
            throw RunnerError(.configuration, "the heartbeat and progress intervals must be shorter than the lease")
        }
        if pollMaximum < pollMinimum { pollMaximum = pollMinimum }
    }

    /// Defaults for tests: everything from the settings' defaults with this database.
    public static func forTesting(database: DatabaseConfig, allowPrivate: Bool = true, scannerID: String = "test") throws -> RunnerConfiguration {
        var configuration = try RunnerConfiguration(settings: Settings(values: [:]))
        configuration.database = database
        configuration.allowPrivateTargets = allowPrivate
        configuration.onlyNetworks = try ScanScope.networks("127.0.0.0/8,::1/128")  // tests never leave loopback
        configuration.scannerID = scannerID
        configuration.probeTimeout = .milliseconds(300)
        configuration.tlsTimeout = .milliseconds(1000)
        configuration.pollMinimum = .milliseconds(20)
        configuration.pollMaximum = .milliseconds(200)
        return configuration
    }

    /// 127.0.0.0/8 and ::1/128: where a runner that allows private targets stays unless told otherwise.
    public static let loopbackNetworks: [CIDRBlock] = (try? ScanScope.networks("127.0.0.0/8,::1/128")) ?? []

    static func defaultScannerID() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "scanner"
        return "\(host):\(getpid())"
    }
}

extension RunnerConfiguration {
    /// The Resolver's options from the DNS settings; the whole lookup stays well inside a lease.
    var resolverOptions: Resolver.Options {
        var options = Resolver.Options()
        options.attemptTimeout = dnsTimeout
        options.attempts = dnsAttempts
        options.deadline = min(leaseDuration / 2, dnsTimeout * dnsAttempts + .seconds(4))
        options.servers = dnsServers
        return options
    }
}

extension RunnerConfiguration {
    /// `skannr-scanner trigger-all`: its own connection, one transaction.
    public func triggerAll(now: Date = Date()) throws -> ScheduleReport {
        try BulkTrigger(plans: plans, graceDays: billingGraceDays).triggerAll(ScanLifecycleStore(config: database), now: now)
    }

    /// `skannr-scanner schedule --once`: enqueue what is due, then return.
    public func scheduleDue(now: Date = Date()) throws -> ScheduleReport {
        try ScanScheduler(batchSize: scheduleBatch, plans: plans, graceDays: billingGraceDays)
            .enqueueAllDue(ScanLifecycleStore(config: database), now: now)
    }
}
