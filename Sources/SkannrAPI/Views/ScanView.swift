// The contract's Scan object and the trigger-all answer, with nulls written out.
import Foundation
import SkannrStore

struct ScanView: Encodable {
    let record: ScanRecord

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(record.id, forKey: "id")
        try c.encode(record.targetID, forKey: "target_id")
        try c.encode(record.status.rawValue, forKey: "status")
        try c.encode(record.trigger.rawValue, forKey: "trigger")
        try c.encode(record.scanProfile.rawValue, forKey: "scan_profile")
        try c.encode(record.progress, forKey: "progress")
        try c.encode(record.hostsTotal, forKey: "hosts_total")
        try c.encode(record.hostsDone, forKey: "hosts_done")
        try c.encode(record.portsPerHost, forKey: "ports_per_host")
        try c.encode(record.openPorts, forKey: "open_ports")
        try c.encode(record.createdAt, forKey: "created_at")
        try c.encode(record.startedAt, forKey: "started_at")
        try c.encode(record.finishedAt, forKey: "finished_at")
        try c.encode(record.error, forKey: "error")
        try c.encode(record.limitsHit, forKey: "limits_hit")
    }
}

/// POST /scans/trigger-all: `{"items": [Scan], "skipped": [{target_id, reason}]}`.
struct TriggerAllView: Encodable {
    struct Skipped: Encodable {
        let targetId: Int64
        let reason: String
    }

    let items: [ScanView]
    let skipped: [Skipped]
}
