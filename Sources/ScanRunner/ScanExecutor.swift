// Runs one claimed scan: plan the hosts (resolve/expand + policy), sweep every port with progress and
// lease heartbeats, TLS-probe every open port in a bounded pool (in batches, heartbeating between).
// Stops early when the lease is lost (a cancel included) or SIGTERM asked us to stop.
import Foundation
import ScanEngine
import SkannrCore

enum ExecutionEnd: Sendable {
    case completed(ScanOutcome)
    /// SIGTERM: give the scan back.
    case stopped
}

struct ScanExecutor {
    let configuration: RunnerConfiguration
    let stop: StopSignal
    var resolve: @Sendable (String) throws -> [String] = { try Resolver.resolve($0) }

    func execute(_ scan: ClaimedScan, keeper: LeaseKeeper) throws -> ExecutionEnd {
        let ports: [UInt16]
        do { ports = Array(try PortList.parse(scan.ports)) } catch {
            throw RunnerError(.invalidScan, "the scan's port list is invalid: \(error)")
        }
        let plan = try HostPlan.make(addressType: scan.addressType, address: scan.address,
                                     scope: configuration.scope, resolve: resolve)
        keeper.tick(progress: 0, hostsDone: 0, hostsTotal: plan.expectedHosts + plan.refused.count, force: true)
        if let end = try interruption(keeper) { return end }

        let sweep = Sweep(config: sweepConfig(loopbackOnly: plan.isLoopbackOnly))
        let perHost = max(1, ports.count)
        let result: SweepResult
        do {
            result = try sweep.run(
                hosts: plan.sequence(), ports: ports, expectedHosts: plan.expectedHosts,
                isCancelled: { keeper.mustStop || stop.isRequested },
                progress: { p in keeper.tick(progress: p.fraction * 100, hostsDone: p.portsDone / perHost) })
        } catch {
            throw RunnerError(.engine, "the sweep could not start: \(error)")
        }
        if let end = try interruption(keeper) { return end }
        if result.cancelled { return .stopped }

        var hosts = result.hosts.compactMap { swept -> HostOutcome? in
            let key = HostKey.bytes(for: swept.host.address)
            guard !key.isEmpty else { return nil }
            return HostOutcome(host: swept.host.address, hostKey: key, hostname: plan.hostname, up: swept.state == .up,
                               openPorts: swept.openPorts, closedCount: swept.closedCount,
                               filteredCount: swept.filteredCount, note: nil)
        }
        if hosts.isEmpty, plan.skipped.count > 0 {
            throw RunnerError(.notAllowed, "every address of \(scan.address) is private, loopback or reserved and may not be scanned")
        }
        for address in plan.refused {
            let key = HostKey.bytes(for: address)
            guard !key.isEmpty else { continue }
            hosts.append(HostOutcome(host: address, hostKey: key, hostname: plan.hostname, up: false, openPorts: [],
                                     closedCount: 0, filteredCount: 0, note: "not scanned: address not allowed"))
        }
        var outcome = ScanOutcome(hosts: hosts, tls: [:], remark: remark(refused: plan.refused, skipped: plan.skipped.count))
        let probes = hosts.flatMap { host in
            host.openPorts.map { TLSProbe.Target(host: host.host, port: $0, serverName: plan.hostname) }
        }
        let batch = max(1, configuration.tlsConcurrency * 4)
        for start in stride(from: 0, to: probes.count, by: batch) {
            let chunk = Array(probes[start..<min(probes.count, start + batch)])
            let outcomes = TLSProbe.probeAll(chunk, timeout: configuration.tlsTimeout, concurrency: configuration.tlsConcurrency)
            for (target, probe) in zip(chunk, outcomes) {
                if case .tls(let facts) = probe { outcome.tls[HostPort(host: target.host, port: target.port)] = facts }
            }
            keeper.tick()
            if let end = try interruption(keeper) { return end }
        }
        return .completed(outcome)
    }

    private func interruption(_ keeper: LeaseKeeper) throws -> ExecutionEnd? {
        try keeper.check()
        return stop.isRequested ? .stopped : nil
    }

    private func sweepConfig(loopbackOnly: Bool) -> SweepConfig {
        var config = SweepConfig()
        config.maxInFlight = configuration.maxInFlight
        config.probeTimeout = configuration.probeTimeout
        config.retries = configuration.retries
        config.progressInterval = .milliseconds(500)
        if !loopbackOnly {
            config.probesPerSecondPerHost = configuration.probesPerSecondPerHost
            config.probesPerSecond = configuration.probesPerSecondPerScan
        }
        return config
    }

    private func remark(refused: [String], skipped: Int) -> String? {
        var parts: [String] = []
        if !refused.isEmpty { parts.append("not scanned (address not allowed): \(refused.joined(separator: ", "))") }
        if skipped > 0 { parts.append("\(skipped) addresses of the range not scanned (not allowed)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
