// The contract's Scan object and the trigger-all answer, with nulls written out.
import Foundation
import SkannrStore

struct ScanView: Encodable {
    let record: ScanRecord

    enum Key: String, CodingKey {
        case id, status, trigger, progress, error
        case targetID = "target_id", scanProfile = "scan_profile", hostsTotal = "hosts_total", hostsDone = "hosts_done"
        case portsPerHost = "ports_per_host", openPorts = "open_ports", createdAt = "created_at"
        case startedAt = "started_at", finishedAt = "finished_at", limitsHit = "limits_hit"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.targetID, forKey: .targetID)
        try c.encode(record.status.rawValue, forKey: .status)
        try c.encode(record.trigger.rawValue, forKey: .trigger)
        try c.encode(record.scanProfile.rawValue, forKey: .scanProfile)
        try c.encode(record.progress, forKey: .progress)
        try c.encode(record.hostsTotal, forKey: .hostsTotal)
        try c.encode(record.hostsDone, forKey: .hostsDone)
        try c.encode(record.portsPerHost, forKey: .portsPerHost)
        try c.encode(record.openPorts, forKey: .openPorts)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.startedAt, forKey: .startedAt)
        try c.encode(record.finishedAt, forKey: .finishedAt)
        try c.encode(record.error, forKey: .error)
        try c.encode(record.limitsHit, forKey: .limitsHit)
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
