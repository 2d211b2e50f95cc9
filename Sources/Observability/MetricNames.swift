// Every metric Skannr exports, with its help text: one list, so the docs (docs/operations.md) and
// the scrape agree. Recorded in slot files: http_*, scan_events, scan_duration, scan_probes.
// Read from MariaDB at scrape time: scans, scan_queue_*, scan_leases_expired, database_up.

public enum MetricNames {
    public static let httpRequests = "skannr_http_requests_total"
    public static let httpDuration = "skannr_http_request_duration_seconds"
    public static let scanEvents = "skannr_scan_events_total"
    public static let scanDuration = "skannr_scan_duration_seconds"
    public static let scanProbes = "skannr_scan_probes_total"
    public static let scans = "skannr_scans"
    public static let queueDepth = "skannr_scan_queue_depth"
    public static let queueOldest = "skannr_scan_queue_oldest_seconds"
    public static let leasesExpired = "skannr_scan_leases_expired"
    public static let databaseUp = "skannr_database_up"
    public static let seriesDropped = "skannr_metrics_series_dropped_total"
    public static let notifyDeliveries = "skannr_notify_deliveries_total"
    public static let notifyDelay = "skannr_notify_delivery_delay_seconds"
    public static let notifyQueueDepth = "skannr_notify_queue_depth"
    public static let notifyQueueOldest = "skannr_notify_queue_oldest_seconds"

    static let help: [String: String] = [
        httpRequests: "API requests answered by the responder pool, by route pattern and status.",
        httpDuration: "Time the responder took to answer, by route pattern and status.",
        scanEvents: "Scan-runner events (claimed, completed, failed, cancelled, released, retry, lease_lost).",
        scanDuration: "Wall time of scans the runner finished, by outcome.",
        scanProbes: "Port probes of finished scans (hosts x ports); rate() gives probes per second.",
        scans: "Scans in the database by status.",
        queueDepth: "Pending scans waiting for a runner.",
        queueOldest: "Age of the oldest pending scan (0 when none).",
        leasesExpired: "Running scans whose lease has expired (their runner died; another will take them over).",
        databaseUp: "1 when the scrape could query MariaDB.",
        seriesDropped: "Observations dropped because a process's metrics table was full.",
        notifyDeliveries: "Notification attempts by outcome (sent, retried, failed) and channel type.",
        notifyDelay: "Time from an event's creation to its successful delivery.",
        notifyQueueDepth: "Pending notification deliveries (due or backing off).",
        notifyQueueOldest: "Age of the oldest pending notification delivery (0 when none).",
    ]
}

/// A metric computed at scrape time (from SQL): name, type and samples (label text, value).
public struct MetricFamily: Sendable {
    public let name: String
    public let type: String
    public let samples: [(labels: [(String, String)], value: Double)]

    public init(name: String, type: String = "gauge", samples: [(labels: [(String, String)], value: Double)]) {
        self.name = name
        self.type = type
        self.samples = samples
    }
}
