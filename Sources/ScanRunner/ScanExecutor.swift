// Runs a claimed scan's work in units (issue 20): `prepare` plans the hosts (resolve/expand + policy),
// `executeUnit` sweeps one slice of hosts × ports with progress and lease heartbeats and TLS-probes its
// open ports, `finish` merges the units' outcomes and applies what needs the whole scan: the tarpit
// sample (a host's open ports over every unit), the budgets, TLS for the tarpit suspects that were not
// one. `confirm` re-probes the pairs that differ from the baseline (ScanProcessor calls it before the
// write-back). Stops early when the lease is lost (a cancel included) or SIGTERM asked us to stop; the
// duration budget stops the sweep too, but keeps its results (partial, said in limits_hit).
// Trap: TLS is skipped per unit for hosts with acceptsAllMinimumOpen open ports in the unit (a
// tarpit's ports speak nothing); `finish` probes those that turn out not to be one.
import Foundation
import ScanEngine
import SkannrCore
import SkannrStore

enum ExecutionEnd: Sendable {
    case completed(ScanOutcome)
    /// SIGTERM: give the scan back.
    case stopped
}

enum UnitEnd: Sendable {
    case done(UnitOutcome)
    /// SIGTERM: give the scan back (the units done so far are kept).
    case stopped
}

/// Where a unit stands in its scan, for the scan's progress.
struct UnitPosition {
    var unitsDone: Int
    var unitsTotal: Int
    var hostsTotal: Int

    /// The scan's progress (percent) and hosts done when the current unit is `fraction` done.
    func overall(_ fraction: Double) -> (percent: Double, hostsDone: Int) {
        let share = (Double(unitsDone) + min(1, max(0, fraction))) / Double(max(1, unitsTotal))
        return (share * 100, Int((share * Double(hostsTotal)).rounded(.down)))
    }
}

struct ScanExecutor {
    let configuration: RunnerConfiguration
    let stop: StopSignal
    /// Name resolution (tests replace it); nil: ScanEngine's Resolver with the configured deadline and retries.
    var resolve: (@Sendable (String) throws -> [String])? = nil
    /// The random ports a tarpit suspect is sampled on (tests pin them).
    var samplePorts: @Sendable (AcceptsAllRule, PortList) -> [UInt16] = { rule, covered in rule.samplePorts(excluding: covered) }

    /// The scan's hosts and (sorted) ports; resolves a domain. Writes the host count with a heartbeat.
    func prepare(_ scan: ClaimedScan, keeper: LeaseKeeper) throws -> (HostPlan, [UInt16]) {
        let ports: [UInt16]
        do { ports = Array(try PortList.parse(scan.ports)) } catch {
            throw RunnerError(.invalidScan, "the scan's port list is invalid: \(error)")
        }
        let options = configuration.resolverOptions
        let plan = try HostPlan.make(addressType: scan.addressType, address: scan.address, scope: configuration.scope,
                                     maxAddresses: configuration.maxAddressesPerName,
                                     resolve: resolve ?? { try Resolver.resolve($0, options: options) })
        keeper.tick(hostsTotal: plan.expectedHosts, force: true)
        try keeper.check()
        return (plan, ports)
    }

    /// Sweeps one unit and TLS-probes its open ports (tarpit suspects excepted).
    /// `tlsBudget`: TLS probes the scan may still make (its cap less what its earlier units made).
    func executeUnit(_ slice: ScanUnitSlice, plan: HostPlan, ports: [UInt16], position: UnitPosition,
                     deadline: ContinuousClock.Instant, tlsBudget: Int, keeper: LeaseKeeper) throws -> UnitEnd {
        let unitPorts = Array(ports.dropFirst(slice.portOffset).prefix(slice.portCount))
        let hostsPlan = plan.slice(offset: slice.hostOffset, count: slice.hostCount)
        let sweep = Sweep(config: sweepConfig(loopbackOnly: plan.isLoopbackOnly))
        let result: SweepResult
        do {
            result = try sweep.run(
                hosts: hostsPlan.sequence(), ports: unitPorts, expectedHosts: hostsPlan.expectedHosts,
                isCancelled: { keeper.mustStop || stop.isRequested || ContinuousClock.now >= deadline },
                progress: { p in
                    let overall = position.overall(p.fraction)
                    keeper.tick(progress: overall.percent, hostsDone: overall.hostsDone)
                })
        } catch {
            throw RunnerError(.engine, "the sweep could not start: \(error)")
        }
        if try interrupted(keeper) { return .stopped }
        let outOfTime = result.cancelled
        if outOfTime && ContinuousClock.now < deadline { return .stopped }
        let hosts = result.hosts.compactMap { swept -> HostOutcome? in
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
        let rule = AcceptsAllRule(minimumOpen: configuration.acceptsAllMinimumOpen)
        let tls = TLSPhase.run(hosts.filter { !rule.isSuspect(openCount: $0.openPorts.count) }, serverName: plan.hostname,
                               budget: tlsBudget, configuration: configuration, keeper: keeper, stop: stop)
        if try interrupted(keeper) || tls.interrupted { return .stopped }
        return .done(UnitOutcome(hosts: hosts, tls: tls.facts, tlsUnknown: tls.unknown, tlsCut: tls.cut, tlsProbes: tls.probed,
                                 skipped: hostsPlan.skipped.count, partial: outOfTime))
    }

    /// The scan's outcome from its units' outcomes: hosts merged across port slices, tarpits marked,
    /// budgets applied, TLS probed for suspects that are no tarpit. `complete`: every unit ran.
    func finish(_ units: [UnitOutcome], complete: Bool, plan: HostPlan, ports: [UInt16], scan: ClaimedScan,
                keeper: LeaseKeeper) throws -> ExecutionEnd {
        var hosts = Self.merge(units.flatMap(\.hosts))
        let skipped = units.reduce(0) { $0 + $1.skipped }
        if hosts.isEmpty, skipped > 0 {
            throw RunnerError(.notAllowed, "every address of \(scan.address) is private, loopback or reserved and may not be scanned")
        }
        let partial = !complete || units.contains(where: \.partial)
        let covered = PortList(ranges: ports.map { $0...$0 })
        let suspects = Set(hosts.filter { AcceptsAllRule(minimumOpen: configuration.acceptsAllMinimumOpen).isSuspect(openCount: $0.openPorts.count) }.map(\.host))
        try markAcceptsAll(&hosts, covered: covered, plan: plan, keeper: keeper)
        var outcome = ScanOutcome(hosts: hosts, tls: [:], remark: remark(refused: plan.refused.count, skipped: skipped))
        for unit in units {
            outcome.tls.merge(unit.tls) { first, _ in first }
            outcome.tlsUnknown.formUnion(unit.tlsUnknown)
        }
        outcome.coveredPorts = partial ? nil : covered
        if partial { outcome.limitsHit.append("scan duration capped at \(configuration.maxScanDuration.components.seconds) s: results are partial") }
        if let cut = plan.addressLimitHit { outcome.limitsHit.append(cut) }
        ScanBudget(maxOpenPerHost: configuration.maxOpenPortsPerHost, maxOpenPerScan: configuration.maxOpenPortsPerScan)
            .apply(to: &outcome)
        // Suspects skipped by the units' TLS phases that are no tarpit after all.
        let late = outcome.hosts.filter { suspects.contains($0.host) && $0.acceptsAll == nil }
        let spent = units.reduce(0) { $0 + $1.tlsProbes }
        let tls = TLSPhase.run(late, serverName: plan.hostname, budget: configuration.tlsMaxProbes - spent,
                               configuration: configuration, keeper: keeper, stop: stop)
        if try interrupted(keeper) || tls.interrupted { return .stopped }
        outcome.tls.merge(tls.facts) { first, _ in first }
        outcome.tlsUnknown.formUnion(tls.unknown)
        let tlsCut = units.reduce(tls.cut) { $0 + $1.tlsCut }
        if tlsCut > 0 { outcome.limitsHit.append("TLS probes capped at \(configuration.tlsMaxProbes): \(tlsCut) open ports not probed") }
        if !outcome.limitsHit.isEmpty {
            outcome.remark = ([outcome.remark].compactMap { $0 } + outcome.limitsHit).joined(separator: "; ")
        }
        return .completed(outcome)
    }

    /// One host per address, in first-seen order: a host split over port slices is up when any slice
    /// heard it, its counts are summed and its ports joined.
    static func merge(_ parts: [HostOutcome]) -> [HostOutcome] {
        var order: [String] = []
        var byHost: [String: HostOutcome] = [:]
        for part in parts {
            guard let seen = byHost[part.host] else {
                order.append(part.host)
                byHost[part.host] = part
                continue
            }
            var host = HostOutcome(host: seen.host, hostKey: seen.hostKey, hostname: seen.hostname, up: seen.up || part.up,
                                   openPorts: (seen.openPorts + part.openPorts).sorted(), closedCount: seen.closedCount + part.closedCount,
                                   filteredCount: seen.filteredCount + part.filteredCount, note: seen.note,
                                   partial: seen.partial || part.partial)
            host.unanswered = host.up ? (seen.unanswered + part.unanswered).sorted() : []
            byHost[part.host] = host
        }
        return order.compactMap { byHost[$0] }
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
            if try interrupted(keeper) { return nil }
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

    /// Throws a lost lease; true when SIGTERM asked us to stop.
    private func interrupted(_ keeper: LeaseKeeper) throws -> Bool {
        try keeper.check()
        return stop.isRequested
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
