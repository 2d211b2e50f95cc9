// One JSON log line per scan event (claimed, completed, cancelled, released, failed, retry, lease_lost,
// gave_up, scheduled), through swift-log (Observability.JSONLogHandler in the executable). Each event
// also counts in the process's metrics (Observability.ProcessMetrics; a no-op when none is installed).
import Foundation
import Logging
import Observability

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
        switch end {
        case .completed(let summary):
            metadata["event"] = "completed"
            metadata["hosts"] = "\(summary.hosts)"
            metadata["hosts_up"] = "\(summary.hostsUp)"
            metadata["open_ports"] = "\(summary.openPorts)"
            metadata["tls_certificates"] = "\(summary.tlsCertificates)"
            metadata["alerts"] = "\(summary.alerts)"
            logger.info("scan completed", metadata: metadata)
            ProcessMetrics.scanFinished(outcome: "completed", seconds: elapsed.inSeconds, probes: summary.hosts * Int(scan.portsPerHost))
        case .cancelled:
            metadata["event"] = "cancelled"
            logger.info("scan cancelled", metadata: metadata)
            ProcessMetrics.scanFinished(outcome: "cancelled", seconds: elapsed.inSeconds, probes: 0)
        case .released:
            metadata["event"] = "released"
            logger.info("scan released (stopping)", metadata: metadata)
        case .failed(let reason):
            metadata["event"] = "failed"
            metadata["reason"] = "\(reason)"
            logger.warning("scan failed", metadata: metadata)
            ProcessMetrics.scanFinished(outcome: "failed", seconds: elapsed.inSeconds, probes: 0)
        case .retry(let reason):
            metadata["event"] = "retry"
            metadata["reason"] = "\(reason)"
            logger.warning("scan given back for a retry", metadata: metadata)
        case .leaseLost(let reason):
            metadata["event"] = "lease_lost"
            metadata["reason"] = "\(reason)"
            logger.warning("scan lease lost; stopped without writing", metadata: metadata)
        }
        count(metadata)
    }

    private static func count(_ metadata: Logger.Metadata) {
        if case .string(let event)? = metadata["event"] { ProcessMetrics.scanEvent(event) }
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
