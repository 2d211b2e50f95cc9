// The contract's Scan object and the trigger-all answer, with nulls written out.
import Foundation
import SkannrCore
import SkannrStore

struct ScanView: JSONObject {
    let record: ScanRecord

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("id", record.id)
        try out.member("target_id", record.targetID)
        try out.member("status", record.status.rawValue)
        try out.member("trigger", record.trigger.rawValue)
        try out.member("scan_profile", record.scanProfile.rawValue)
        try out.member("progress", encoding: record.progress)
        try out.member("hosts_total", record.hostsTotal)
        try out.member("hosts_done", record.hostsDone)
        try out.member("ports_per_host", record.portsPerHost)
        try out.member("open_ports", record.openPorts)
        try out.member("created_at", record.createdAt)
        try out.member("started_at", record.startedAt)
        try out.member("finished_at", record.finishedAt)
        try out.member("error", record.error)
        try out.member("limits_hit", encoding: record.limitsHit)
        try out.member("results_pruned_at", record.resultsPrunedAt)
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
