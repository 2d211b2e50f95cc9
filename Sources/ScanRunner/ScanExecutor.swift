// Runs one claimed scan: plan the hosts (resolve/expand + policy), sweep every port with progress and
// lease heartbeats, sample hosts with many open ports for a tarpit, apply the budgets, TLS-probe
// every open port (TLSPhase: a pool sized by the setting, heartbeating while it runs). `confirm`
// re-probes the pairs that differ from the baseline (ScanProcessor calls it before the write-back).
// Stops early when the lease is lost (a cancel included) or SIGTERM asked us to stop; the duration
// budget stops the sweep too, but keeps its results (partial, said in limits_hit).
import Foundation
import ScanEngine
import SkannrCore
import SkannrStore

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
    /// The random ports a tarpit suspect is sampled on (tests pin them).
    var samplePorts: @Sendable (AcceptsAllRule, PortList) -> [UInt16] = { rule, covered in rule.samplePorts(excluding: covered) }

    func execute(_ scan: ClaimedScan, keeper: LeaseKeeper) throws -> ExecutionEnd {
        let ports: [UInt16]
        do { ports = Array(try PortList.parse(scan.ports)) } catch {
            throw RunnerError(.invalidScan, "the scan's port list is invalid: \(error)")
        }
        let options = configuration.resolverOptions
        let plan = try HostPlan.make(addressType: scan.addressType, address: scan.address, scope: configuration.scope,
                                     maxAddresses: configuration.maxAddressesPerName,
                                     resolve: resolve ?? { try Resolver.resolve($0, options: options) })
        keeper.tick(progress: 0, hostsDone: 0, hostsTotal: plan.expectedHosts, force: true)
        if let end = try interruption(keeper) { return end }

        let deadline = ContinuousClock.now + configuration.maxScanDuration
        let sweep = Sweep(config: sweepConfig(loopbackOnly: plan.isLoopbackOnly))
        let perHost = max(1, ports.count)
        let result: SweepResult
        do {
            result = try sweep.run(
                hosts: plan.sequence(), ports: ports, expectedHosts: plan.expectedHosts,
                isCancelled: { keeper.mustStop || stop.isRequested || ContinuousClock.now >= deadline },
                progress: { p in keeper.tick(progress: p.fraction * 100, hostsDone: p.portsDone / perHost) })
        } catch {
            throw RunnerError(.engine, "the sweep could not start: \(error)")
        }
        if let end = try interruption(keeper) { return end }
        let outOfTime = result.cancelled
        if outOfTime && ContinuousClock.now < deadline { return .stopped }

        var hosts = result.hosts.compactMap { swept -> HostOutcome? in
            let key = HostKey.bytes(for: swept.host.address)
            guard !key.isEmpty else { return nil }
            var host = HostOutcome(host: swept.host.address, hostKey: key, hostname: plan.hostname, up: swept.state == .up,
                                   openPorts: swept.openPorts, closedCount: swept.closedCount,
                                   filteredCount: swept.filteredCount, note: nil, partial: outOfTime)
            // Silent ports of an answering host: on a first scan they are re-probed (a one-time second
            // pass, so that the first baseline misses no open port, behind a dropping firewall too).
            if swept.state == .up, swept.filteredCount <= Self.maxUnanswered {
                host.unanswered = swept.filteredPorts
            }
            return host
        }
        if hosts.isEmpty, plan.skipped.count > 0 {
            throw RunnerError(.notAllowed, "every address of \(scan.address) is private, loopback or reserved and may not be scanned")
        }
        let covered = PortList(ranges: ports.map { $0...$0 })
        try markAcceptsAll(&hosts, covered: covered, plan: plan, keeper: keeper)
        var outcome = ScanOutcome(hosts: hosts, tls: [:], remark: remark(refused: plan.refused.count, skipped: plan.skipped.count))
        outcome.coveredPorts = outOfTime ? nil : covered
        if outOfTime { outcome.limitsHit.append("scan duration capped at \(configuration.maxScanDuration.components.seconds) s: results are partial") }
        if let cut = plan.addressLimitHit { outcome.limitsHit.append(cut) }
        ScanBudget(maxOpenPerHost: configuration.maxOpenPortsPerHost, maxOpenPerScan: configuration.maxOpenPortsPerScan)
            .apply(to: &outcome)
        hosts = outcome.hosts.filter { $0.acceptsAll == nil }   // a tarpit's "open" ports speak nothing
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

    /// Re-probes the pairs that differ from the baseline with more retries and a longer timeout.
    /// Hosts sharing a port list share a sweep. Nil when stopped or out of time (nothing confirmed).
    func confirm(_ pairs: [AddressPort], keeper: LeaseKeeper) throws -> [AddressPort: ProbeAnswer]? {
        var answers: [AddressPort: ProbeAnswer] = [:]
        guard !pairs.isEmpty else { return answers }
        var config = sweepConfig(loopbackOnly: pairs.allSatisfy { Self.isLoopback($0.address) })
        config.retries = configuration.confirmRetries
        config.probeTimeout = configuration.confirmTimeout
        config.minProbeTimeout = max(config.minProbeTimeout, configuration.confirmTimeout / 4)
        var portsByAddress: [String: [UInt16]] = [:]
        for pair in pairs { portsByAddress[pair.address, default: []].append(pair.port) }
        var addressesByPorts: [[UInt16]: [ScanHost]] = [:]
        for (address, ports) in portsByAddress {
            guard let host = ScanHost(address: address) else { continue }
            addressesByPorts[ports.sorted(), default: []].append(host)
        }
        for (ports, hosts) in addressesByPorts.sorted(by: { $0.key.count > $1.key.count }) {
            let result: SweepResult
            do {
                result = try Sweep(config: config).run(hosts: hosts, ports: ports, isCancelled: { keeper.mustStop || stop.isRequested },
                                                       progress: { _ in keeper.tick() })
            } catch {
                throw RunnerError(.engine, "the confirmation sweep could not start: \(error)")
            }
            if result.cancelled { return nil }
            for swept in result.hosts {
                for port in ports {
                    let answer: ProbeAnswer = switch swept.state(of: port) {
                    case .open: .open
                    case .closed: .closed
                    case .filtered: .silent
                    }
                    answers[AddressPort(swept.host.address, port)] = answer
                }
            }
            if try interruption(keeper) != nil { return nil }
        }
        return answers
    }

    /// Hosts with many open ports are probed on a few random ports outside the list: a tarpit
    /// answers those too. Marked hosts keep their ports here; the budget caps what is stored.
    private func markAcceptsAll(_ hosts: inout [HostOutcome], covered: PortList, plan: HostPlan, keeper: LeaseKeeper) throws {
        let rule = AcceptsAllRule(minimumOpen: configuration.acceptsAllMinimumOpen)
        let suspects = hosts.indices.filter { rule.isSuspect(openCount: hosts[$0].openPorts.count) }
        guard !suspects.isEmpty else { return }
        var config = sweepConfig(loopbackOnly: plan.isLoopbackOnly)
        config.retries = max(config.retries, 2)
        for index in suspects {
            let sample = samplePorts(rule, covered)
            var sampleOpen = 0
            if !sample.isEmpty, let host = ScanHost(address: hosts[index].host) {
                let result = try? Sweep(config: config).run(hosts: [host], ports: sample, isCancelled: { keeper.mustStop || stop.isRequested })
                sampleOpen = result?.hosts.first?.openCount ?? 0
            }
            hosts[index].acceptsAll = rule.verdict(open: hosts[index].openPorts.count, scanned: covered.count,
                                                   sampleOpen: sampleOpen, sampled: sample.count)
            keeper.tick()
        }
    }

    /// Most unanswered ports of one host re-probed on a first scan.
    static let maxUnanswered = 16_384

    private static func isLoopback(_ address: String) -> Bool {
        (try? IPAddress.parse(address))?.restriction() == .loopback
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

    /// Refused addresses are counted, never named (issue 16, #13).
    private func remark(refused: Int, skipped: Int) -> String? {
        var parts: [String] = []
        if refused > 0 {
            parts.append(refused == 1 ? "1 address resolved to a non-public address and was not scanned"
                         : "\(refused) addresses resolved to a non-public address and were not scanned")
        }
        if skipped > 0 { parts.append("\(skipped) addresses of the range not scanned (not allowed)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
