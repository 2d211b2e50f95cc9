// One JSON log line per scan event (claimed, completed, cancelled, released, yielded, failed, retry, lease_lost,
// gave_up, scheduled), through swift-log (Observability.JSONLogHandler in the executable). Each event
// also counts in the process's metrics (Observability.ProcessMetrics; a no-op when none is installed).
import Foundation
import Logging
import Observability
import SkannrStore

enum ScanEventLog {
    static func claimed(_ logger: Logger, scan: ClaimedScan) {
        ProcessMetrics.scanEvent("claimed")
        logger.info("scan claimed", metadata: [
            "event": "claimed", "scan_id": "\(scan.id)", "target_id": "\(scan.targetID)", "address_type": "\(scan.addressType)",
            "ports_per_host": "\(scan.portsPerHost)", "attempt": "\(scan.attempts)", "lease_owner": "\(scan.leaseOwner)",
        ])
    }

    static func ended(_ logger: Logger, scan: ClaimedScan, end: ScanEnd, elapsed: Duration) {
        var metadata: Logger.Metadata = [
            "scan_id": "\(scan.id)", "target_id": "\(scan.targetID)",
            "elapsed_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ]
        let event: String, level: Logger.Level, message: Logger.Message
        // Probes of a scan that ended for good (the scans-finished metric); nil when it goes on elsewhere.
        var finishedProbes: Int?
        switch end {
        case .completed(let summary):
            (event, level, message) = ("completed", .info, "scan completed")
            metadata["hosts"] = "\(summary.hosts)"
            metadata["hosts_up"] = "\(summary.hostsUp)"
            metadata["open_ports"] = "\(summary.openPorts)"
            metadata["tls_certificates"] = "\(summary.tlsCertificates)"
            metadata["alerts"] = "\(summary.alerts)"
            finishedProbes = summary.hosts * Int(scan.portsPerHost)
        case .cancelled:
            (event, level, message) = ("cancelled", .info, "scan cancelled")
            finishedProbes = 0
        case .released:
            (event, level, message) = ("released", .info, "scan released (stopping)")
        case .yielded(let done, let total):
            (event, level, message) = ("yielded", .info, "scan given back after its turn")
            metadata["units_done"] = "\(done)"
            metadata["units_total"] = "\(total)"
        case .failed(let reason):
            (event, level, message) = ("failed", .warning, "scan failed")
            metadata["reason"] = "\(reason)"
            finishedProbes = 0
        case .retry(let reason):
            (event, level, message) = ("retry", .warning, "scan given back for a retry")
            metadata["reason"] = "\(reason)"
        case .leaseLost(let reason):
            (event, level, message) = ("lease_lost", .warning, "scan lease lost; stopped without writing")
            metadata["reason"] = "\(reason)"
        }
        metadata["event"] = "\(event)"
        logger.log(level: level, message, metadata: metadata)
        if let finishedProbes {
            ProcessMetrics.scanFinished(outcome: event, seconds: elapsed.inSeconds, probes: finishedProbes)
        }
        ProcessMetrics.scanEvent(event)
    }

    static func progress(_ logger: Logger, scanID: Int64, percent: Double, hostsDone: Int?) {
        logger.info("scan progress", metadata: [
            "event": "progress", "scan_id": "\(scanID)", "percent": "\(String(format: "%.2f", percent))",
            "hosts_done": "\(hostsDone.map(String.init) ?? "")",
        ])
    }
}

extension Duration {
    fileprivate var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
