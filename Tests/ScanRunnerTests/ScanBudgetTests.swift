// The budgets and the tarpit rule on plain values (no network, no database).
import Foundation
import SkannrCore
import SkannrStore
import Testing
@testable import ScanRunner

@Suite("Scan budgets and the tarpit rule")
struct ScanBudgetTests {
    func host(_ last: Int, open: Int, acceptsAll: String? = nil) -> HostOutcome {
        var host = HostOutcome(host: "192.0.2.\(last)", hostKey: HostKey.bytes(for: "192.0.2.\(last)"), hostname: nil, up: true,
                               openPorts: (1...UInt16(open)).map { $0 }, closedCount: 0, filteredCount: 0, note: nil)
        host.acceptsAll = acceptsAll
        return host
    }

    @Test("the per-scan cap cuts the hosts that come after it, says so per host and once in limits_hit")
    func perScanCap() {
        var outcome = ScanOutcome(hosts: [host(1, open: 6), host(2, open: 6), host(3, open: 2)], tls: [:], remark: nil)
        ScanBudget(maxOpenPerHost: 100, maxOpenPerScan: 10).apply(to: &outcome)
        #expect(outcome.hosts.map(\.openPorts.count) == [6, 4, 0])
        #expect(outcome.hosts.map(\.partial) == [false, true, true])
        #expect(outcome.hosts[1].notes == ["open ports not stored beyond the scan's cap of 10 (4 of 6 stored)"])
        #expect(outcome.hosts.map(\.openFound) == [6, 6, 2])
        #expect(outcome.limitsHit == ["open ports per scan capped at 10 (4 not stored)"])
    }

    @Test("a host that accepts everything keeps at most 100 ports, with a note and no per-host limit")
    func acceptsAllStored() {
        var outcome = ScanOutcome(hosts: [host(1, open: 5000, acceptsAll: "tarpit")], tls: [:], remark: nil)
        ScanBudget(maxOpenPerHost: 1000, maxOpenPerScan: 20000).apply(to: &outcome)
        #expect(outcome.hosts[0].openPorts.count == 100)
        #expect(outcome.hosts[0].notes == ["answers open on almost every port: 100 of 5,000 open ports stored"])
        #expect(outcome.limitsHit == [])
    }

    @Test("the tarpit rule needs many open ports and most of the random sample open")
    func tarpitRule() {
        let rule = AcceptsAllRule(minimumOpen: 32)
        #expect(rule.verdict(open: 31, scanned: 31, sampleOpen: 8, sampled: 8) == nil)
        #expect(rule.verdict(open: 200, scanned: 10_000, sampleOpen: 0, sampled: 8) == nil)
        #expect(rule.verdict(open: 200, scanned: 10_000, sampleOpen: 5, sampled: 8) == nil)
        #expect(rule.verdict(open: 10_000, scanned: 10_000, sampleOpen: 7, sampled: 8)?.contains("7 of 8 random ports") == true)
        #expect(rule.verdict(open: 65_000, scanned: 65_535, sampleOpen: 0, sampled: 0) != nil)   // a full scan: the share decides
        #expect(rule.verdict(open: 1_000, scanned: 65_535, sampleOpen: 0, sampled: 0) == nil)
        let covered = PortList(ranges: [1...10_000])
        let sample = rule.samplePorts(excluding: covered)
        #expect(sample.count == 8 && sample.allSatisfy { !covered.contains($0) && $0 >= 1024 })
        #expect(rule.samplePorts(excluding: PortList(ranges: [1...65_535])).isEmpty)
    }
}
