// The budgets of one scan (issue 14): open ports stored per host and per scan, and the tarpit rule
// (a host answering open on an implausible number of ports). Pure: the executor applies it to the
// sweep's outcome. Whatever is cut is said in the host's notes and the scan's limits_hit.
import Foundation
import SkannrCore
import SkannrStore

struct ScanBudget: Sendable {
    var maxOpenPerHost: Int
    var maxOpenPerScan: Int
    /// Open ports stored for a host that accepts everything (contract: at most 100).
    static let acceptsAllStored = 100

    /// Caps the stored open ports in host order; cut hosts are marked partial and say so.
    func apply(to outcome: inout ScanOutcome) {
        var left = maxOpenPerScan
        var hostsCut = 0, scanCut = 0
        for index in outcome.hosts.indices {
            var host = outcome.hosts[index]
            let found = host.openPorts.count
            let hostCap = host.acceptsAll != nil ? Self.acceptsAllStored : maxOpenPerHost
            if found > hostCap {
                host.openPorts = Array(host.openPorts.prefix(hostCap))
                if host.acceptsAll != nil {
                    host.notes.append("answers open on almost every port: \(Self.grouped(hostCap)) of \(Self.grouped(found)) open ports stored")
                } else {
                    host.notes.append("open ports capped at \(Self.grouped(hostCap)) (\(Self.grouped(found)) found)")
                    hostsCut += 1
                }
                host.partial = true
            }
            if host.openPorts.count > left {
                scanCut += host.openPorts.count - left
                host.notes.append("open ports not stored beyond the scan's cap of \(Self.grouped(maxOpenPerScan)) (\(Self.grouped(left)) of \(Self.grouped(host.openPorts.count)) stored)")
                host.openPorts = Array(host.openPorts.prefix(left))
                host.partial = true
            }
            left -= host.openPorts.count
            host.openFound = found
            outcome.hosts[index] = host
        }
        if hostsCut > 0 {
            outcome.limitsHit.append("open ports per host capped at \(Self.grouped(maxOpenPerHost)) (\(hostsCut) host\(hostsCut == 1 ? "" : "s"))")
        }
        if scanCut > 0 {
            outcome.limitsHit.append("open ports per scan capped at \(Self.grouped(maxOpenPerScan)) (\(Self.grouped(scanCut)) not stored)")
        }
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}

/// A tarpit or SYN proxy answers open on every port: a host with many open ports is sampled on a few
/// random high ports the scan did not cover; a real host has almost none of those open.
struct AcceptsAllRule: Sendable {
    /// Hosts with at least this many open ports are sampled.
    var minimumOpen: Int
    var sampleSize = 8

    func isSuspect(openCount: Int) -> Bool { openCount >= minimumOpen }

    /// The reason for `accepts_all`, or nil for a real host. Without a sample (the scan covered every
    /// port), 90 % of the scanned ports open is taken as the sign.
    func verdict(open: Int, scanned: Int, sampleOpen: Int, sampled: Int) -> String? {
        guard isSuspect(openCount: open) else { return nil }
        let share = "answered open on \(ScanBudget.grouped(open)) of \(ScanBudget.grouped(scanned)) scanned ports"
        if sampled == 0 {
            return open * 10 >= scanned * 9 ? share : nil
        }
        // One lost answer is allowed for: at least 3/4 of the sample open.
        guard sampleOpen * 4 >= sampled * 3 else { return nil }
        return "\(share) and on \(sampleOpen) of \(sampled) random ports outside the scan's list (a tarpit or SYN proxy)"
    }

    /// Random ports from 1024-65535 not in `covered` (fewer when the list covers almost everything).
    func samplePorts(excluding covered: PortList) -> [UInt16] {
        var picked: Set<UInt16> = []
        var attempts = 0
        while picked.count < sampleSize && attempts < sampleSize * 64 {
            attempts += 1
            let port = UInt16.random(in: 1024...65535)
            if !covered.contains(port) { picked.insert(port) }
        }
        return picked.sorted()
    }
}
