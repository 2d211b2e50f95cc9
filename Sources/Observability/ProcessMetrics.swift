// The process's one recorder, for code that has no object to carry it (the scan-runner's event log).
// Installed once at start-up by the executable; recording before (or without) it is a no-op.

import Foundation
import Synchronization

public enum ProcessMetrics {
    private static let installed = Mutex<MetricsRecorder?>(nil)

    public static func install(_ recorder: MetricsRecorder?) {
        installed.withLock { $0 = recorder }
    }

    public static var current: MetricsRecorder? { installed.withLock { $0 } }

    /// A scan-runner event (`claimed`, `completed`, `failed`, `lease_lost`, ...).
    public static func scanEvent(_ event: String) {
        current?.increment(MetricNames.scanEvents, labels: [("event", event)])
    }

    /// A scan the runner finished (any outcome): its wall time and the probes it made.
    public static func scanFinished(outcome: String, seconds: Double, probes: Int) {
        guard let recorder = current else { return }
        recorder.observe(MetricNames.scanDuration, labels: [("outcome", outcome)], seconds: seconds)
        if probes > 0 { recorder.increment(MetricNames.scanProbes, by: UInt64(probes)) }
    }
}
