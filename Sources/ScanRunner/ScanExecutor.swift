// Runs one claimed scan: plan the hosts (resolve/expand + policy), sweep every port with progress and
// lease heartbeats, TLS-probe every open port (TLSPhase: a pool sized by the setting, heartbeating while it runs).
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
    /// Name resolution (tests replace it); nil: ScanEngine's Resolver with the configured deadline and retries.
    var resolve: (@Sendable (String) throws -> [String])? = nil

    func execute(_ scan: ClaimedScan, keeper: LeaseKeeper) throws -> ExecutionEnd {
        let ports: [UInt16]
        do { ports = Array(try PortList.parse(scan.ports)) } catch {
            throw RunnerError(.invalidScan, "the scan's port list is invalid: \(error)")
        }
        let options = configuration.resolverOptions
        let plan = try HostPlan.make(addressType: scan.addressType, address: scan.address, scope: configuration.scope,
                                     maxAddresses: configuration.maxAddressesPerName,
                                     resolve: resolve ?? { try Resolver.resolve($0, options: options) })
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
        if let cut = plan.addressLimitHit { outcome.limitsHit.append(cut) }
        let tls = TLSPhase.run(hosts, serverName: plan.hostname, configuration: configuration, keeper: keeper, stop: stop)
        if let end = try interruption(keeper) { return end }
        if tls.interrupted { return .stopped }
        outcome.tls = tls.facts
        outcome.tlsUnknown = tls.unknown
        if let cut = tls.limitHit { outcome.limitsHit.append(cut) }
        if !outcome.limitsHit.isEmpty {
            outcome.remark = ([outcome.remark].compactMap { $0 } + outcome.limitsHit).joined(separator: "; ")
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
