// Faults beyond the pool: nginx reloaded under load (no request may fail) and durability (a write
// acknowledged with 201 survives `kill -9` of MariaDB right after). Each test prints one
// "SKANNR-FIGURES" line (requests sent, errors by kind, faults injected, requests lost) that
// scripts/test collects for docs/reliability.md.
import Foundation
import Glibc
import SkannrCore
import Testing
import TestSupport

@Suite("Reload and durability faults", .serialized, .needsStack)
struct DurabilityFaultTests {
    @Test("nginx reloaded three times under load loses no request")
    func nginxReloadUnderLoad() throws {
        let total = 400
        var reloads = 0
        let statuses = try HealthLoad.run(requests: total, pause: 10_000) {
            for _ in 0..<3 {
                usleep(700_000)
                try TestStack.control("nginx-reload")
                reloads += 1
            }
        }
        print("SKANNR-FIGURES fault-nginx-reload requests=\(total) faults=\(reloads) errors=\(statuses.failed) lost=\(statuses.failed) statuses=\(statuses.compact)")
        #expect(statuses.failed == 0, "no request failed across the reloads: \(statuses.summary)")
    }

    @Test("a target acknowledged with 201 survives kill -9 of MariaDB right after")
    func acknowledgedWriteSurvivesKill() throws {
        let owner = try TestAccount.make(name: "D")
        let account = owner.id
        let client = try owner.client()
        var acknowledged: [Int64] = []
        for index in 0..<5 {
            let response = try client.post("/targets", ["address": "10.99.0.\(index + 1)", "label": "durable \(index)"])
            try #require(response.status == 201, "\(response)")
            acknowledged.append(try #require((response["id"] as? NSNumber)?.int64Value))
        }
        try TestStack.control("db-kill")
        try TestStack.control("db-start")
        let recovered = waitUntil(seconds: 30) { (try? client.get("/health").status) == 200 }
        #expect(recovered, "the API answers again once MariaDB is back")
        let after = try TestStack.appDatabase()
        var lost = 0
        for id in acknowledged {
            let row = try after.queryOne("SELECT label FROM targets WHERE id = ? AND user_id = ?", [.int(id), .int(account)])
            if row == nil { lost += 1 }
        }
        let listed = try client.get("/targets").items.count
        print("SKANNR-FIGURES fault-db-kill requests=\(acknowledged.count) faults=1 errors=0 lost=\(lost)")
        #expect(lost == 0, "every acknowledged write is on disk (innodb_flush_log_at_trx_commit=1)")
        #expect(listed == acknowledged.count)
    }
}
