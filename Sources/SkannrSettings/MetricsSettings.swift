// Where every process writes its metrics slot (SKANNR_METRICS_DIR, shared by the API's workers,
// the scan-runner and the notifier; the API's /metrics sums the directory). Empty or unset = none.
public struct MetricsSettings: Sendable, Equatable {
    /// nil: each process keeps its numbers to itself (a scrape shows only the worker that answered).
    public var directory: String?

    public init(settings: Settings) {
        directory = settings.nonEmpty("SKANNR_METRICS_DIR")
    }
}
