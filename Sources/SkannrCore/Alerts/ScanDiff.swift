// The rules that turn a scan into alerts against the target's BASELINE (what the monitoring
// believes after the last completed scan; issue 6 and 14, contract "Alerts" and "Scanner on real
// networks"), and the next baseline.
// - baseline == nil (first scan): no port / host / TLS change alerts; tls_expiring and accepts_all apply.
// - new_port / closed_port per (host identity, port), only over ports both cover, only when
//   confirmed (ChangeConfirmation). Hosts of a domain target are matched by name; the alert says
//   which addresses were seen.
// - host_down (medium): up in the baseline, silent now, confirmed; it replaces the closed_port
//   alerts. The baseline keeps the host's ports, so the scan that sees it up again raises no new_port
//   for them and lists it in `recovered` (the writer resolves the host_down alert).
// - accepts_all (info): a host answering open on an implausible number of ports; no port alerts.
// - tls_change: against the last KNOWN certificate of that host and port (a failed probe changes
//   nothing); a renewal (same subject, issuer and key type) is low, a replacement medium; TLS
//   appearing or disappearing is a tls_change too.
// - tls_expiring at 14, 7 and 1 days (or expired): once per certificate and threshold, one alert per
//   scan even when the same certificate is on many hosts/ports (the first in host, port order).
import Foundation

public struct DiffOutcome: Sendable, Equatable {
    public var alerts: [AlertDraft]
    /// What the monitoring believes after this scan: the next scan's baseline.
    public var baseline: ScanSnapshot
    /// Identities that were down in the baseline and answer again (their host_down resolves).
    public var recovered: [String]
}

public struct ScanDiff: Sendable {
    public static let expiryThresholds = [1, 7, 14]
    public var confirmation = ChangeConfirmation()

    public init() {}

    /// Compatibility form: every change counts as confirmed.
    public func alerts(previous: ScanSnapshot?, current: ScanSnapshot,
                       alreadyAlertedFingerprints: Set<String>, now: Date) -> [AlertDraft] {
        evaluate(baseline: previous, current: current, answers: nil, alreadyAlerted: alreadyAlertedFingerprints, now: now).alerts
    }

    /// `answers`: the re-probes of `confirmation.candidates` (nil: no confirmation, every change is real).
    /// `alreadyAlerted`: "<fingerprint>:<days>" of tls_expiring alerts raised before (a bare
    /// "<fingerprint>" is an alert of the once-forever era and counts as the 14-day one).
    public func evaluate(baseline: ScanSnapshot?, current: ScanSnapshot, answers: [AddressPort: ProbeAnswer]?,
                         alreadyAlerted: Set<String>, now: Date) -> DiffOutcome {
        let after = current.groups()
        var drafts = acceptsAll(before: baseline?.groups() ?? [:], now: after)
        drafts += expiring(current: current, alreadyAlerted: alreadyAlerted, now: now)
        guard let baseline else {
            return DiffOutcome(alerts: Self.sorted(drafts), baseline: Self.firstBaseline(current, answers: answers), recovered: [])
        }
        let before = baseline.groups()
        var next = before
        for (identity, group) in after where before[identity] == nil { next[identity] = Self.fresh(group) }
        var confirmedDown: Set<String> = []
        for change in ChangeConfirmation.changes(before: before, now: after, baseline: baseline, current: current) {
            let confirmed = confirmation.isConfirmed(change, answers: answers, before: before, now: after, current: current)
            switch change {
            case .opened(let identity, let port):
                guard confirmed, let sighting = after[identity]?.ports[port] else { continue }
                next[identity]?.ports[port] = sighting
                drafts.append(newPort(sighting, group: after[identity], before: before[identity]))
            case .closed(let identity, let port):
                guard confirmed, let old = before[identity]?.ports[port] else { continue }
                next[identity]?.ports[port] = nil
                drafts.append(closedPort(old, group: after[identity], before: before[identity]))
            case .hostDown(let identity):
                guard confirmed, let old = before[identity] else { continue }
                confirmedDown.insert(identity)
                drafts.append(hostDown(old, now: after[identity]))
            }
        }
        var recovered: [String] = []
        for (identity, cur) in after {
            guard let base = before[identity], var group = next[identity] else { continue }
            if cur.acceptsAll != nil {
                group.acceptsAll = cur.acceptsAll
                group.up = true
                group.addresses = cur.addresses
            } else if !cur.up {
                if confirmedDown.contains(identity) { group.up = false }
            } else {
                if !base.up { recovered.append(identity) }
                group.up = true
                group.acceptsAll = nil
                group.addresses = cur.addresses
                drafts += refresh(&group, base: base, cur: cur, baseline: baseline)
            }
            next[identity] = group
        }
        let coverage = Self.union(baseline.coveredPorts, current.coveredPorts)
        return DiffOutcome(alerts: Self.sorted(drafts), baseline: ScanSnapshot.from(groups: next, coveredPorts: coverage),
                           recovered: recovered.sorted())
    }

    /// Ports open in both, or newly covered: take the current facts, keeping the last known TLS
    /// facts when this probe told nothing. Returns the tls_change alerts.
    private func refresh(_ group: inout HostGroup, base: HostGroup, cur: HostGroup, baseline: ScanSnapshot) -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        for (port, sighting) in cur.ports.sorted(by: { $0.key < $1.key }) {
            guard let old = base.ports[port] else {
                // Open now, not in the baseline: only ports the baseline never covered get here unconfirmed.
                if !baseline.covers(port) { group.ports[port] = sighting }
                continue
            }
            var merged = sighting
            if sighting.facts.tls == nil && !sighting.facts.plain {
                merged.facts.tls = old.facts.tls
                merged.facts.plain = old.facts.plain
            } else if let change = tlsChange(old: old.facts, new: sighting.facts, sighting: sighting) {
                drafts.append(change)
            }
            group.ports[port] = merged
        }
        return drafts
    }

    /// A host new to the baseline: taken as found, except that a host accepting everything
    /// contributes no ports (its "open" ports mean nothing once it stops doing so).
    private static func fresh(_ group: HostGroup) -> HostGroup {
        var copy = group
        copy.partial = false
        if copy.acceptsAll != nil { copy.ports = [:] }
        return copy
    }

    /// The first baseline: the scan as found, plus unanswered ports that the re-probes found open.
    private static func firstBaseline(_ current: ScanSnapshot, answers: [AddressPort: ProbeAnswer]?) -> ScanSnapshot {
        var groups = current.groups().mapValues(fresh)
        for (pair, answer) in answers ?? [:] where answer == .open {
            let identity = current.identity(of: pair.address)
            guard var group = groups[identity], group.acceptsAll == nil, group.ports[pair.port] == nil else { continue }
            group.ports[pair.port] = HostGroup.PortSighting(address: pair.address, facts: OpenPort(port: pair.port), addresses: [pair.address])
            groups[identity] = group
        }
        return ScanSnapshot.from(groups: groups, coveredPorts: current.coveredPorts)
    }

    private static func union(_ a: PortList?, _ b: PortList?) -> PortList? {
        guard let a, let b else { return nil }
        return PortList(ranges: a.ranges + b.ranges)
    }

    private static func sorted(_ drafts: [AlertDraft]) -> [AlertDraft] {
        drafts.sorted { ($0.host, Int($0.port ?? 0), $0.type.rawValue) < ($1.host, Int($1.port ?? 0), $1.type.rawValue) }
    }

    // MARK: host-level alerts

    private func acceptsAll(before: [String: HostGroup], now: [String: HostGroup]) -> [AlertDraft] {
        now.values.sorted { $0.identity < $1.identity }.compactMap { group in
            guard let reason = group.acceptsAll, before[group.identity]?.acceptsAll == nil,
                  let host = group.addresses.first else { return nil }
            return AlertDraft(type: .acceptsAll, severity: .info, host: host, port: nil,
                              title: "\(group.identity) answers open on almost every port: port changes are not alerted",
                              details: ["reason": .string(reason), "identity": .string(group.identity),
                                        "addresses": Self.strings(group.addresses)])
        }
    }

    private func hostDown(_ old: HostGroup, now: HostGroup?) -> AlertDraft {
        let addresses = now?.addresses ?? old.addresses
        return AlertDraft(type: .hostDown, severity: .medium, host: addresses.first ?? old.identity, port: nil,
                          title: "\(old.identity) answers nothing (down or unreachable)",
                          details: ["identity": .string(old.identity), "addresses": Self.strings(addresses),
                                    "previous_addresses": Self.strings(old.addresses),
                                    "open_ports": .array(old.ports.keys.sorted().map { .int(Int($0)) })])
    }

    // MARK: port alerts

    static func name(_ open: OpenPort) -> String {
        open.service ?? PortCatalog.serviceName(for: open.port) ?? "unknown"
    }

    /// For a domain target: the name and the addresses seen now and before (rotation is visible).
    private static func placement(_ group: HostGroup?, before: HostGroup?) -> [String: JSONValue] {
        guard let group, group.isNamed || (before?.isNamed ?? false) else { return [:] }
        return ["hostname": .string(group.identity), "addresses": strings(group.addresses),
                "previous_addresses": strings(before?.addresses ?? [])]
    }

    private func newPort(_ sighting: HostGroup.PortSighting, group: HostGroup?, before: HostGroup?) -> AlertDraft {
        let open = sighting.facts
        let risk = ServiceRisk.of(port: open.port)
        var details: [String: JSONValue] = ["service": .string(Self.name(open)), "risk": .string(risk.label), "confirmed": .bool(true)]
        details.merge(Self.placement(group, before: before)) { a, _ in a }
        return AlertDraft(type: .newPort, severity: risk.severity, host: sighting.address, port: open.port,
                          title: "New open port \(open.port) (\(Self.name(open)))", details: details)
    }

    private func closedPort(_ old: HostGroup.PortSighting, group: HostGroup?, before: HostGroup?) -> AlertDraft {
        let reason = (group?.ports.isEmpty ?? true) ? "all_ports_closed" : "port_closed"
        var details: [String: JSONValue] = ["service": .string(Self.name(old.facts)), "reason": .string(reason), "confirmed": .bool(true)]
        details.merge(Self.placement(group, before: before)) { a, _ in a }
        return AlertDraft(type: .closedPort, severity: .info, host: group?.addresses.first ?? old.address, port: old.facts.port,
                          title: "Port \(old.facts.port) (\(Self.name(old.facts))) closed", details: details)
    }

    // MARK: TLS

    private func tlsChange(old: OpenPort, new: OpenPort, sighting: HostGroup.PortSighting) -> AlertDraft? {
        let port = new.port
        let host = sighting.address
        switch (old.tls, new.tls) {
        case let (before?, after?) where before.fingerprint != after.fingerprint:
            let renewal = before.subject == after.subject && before.issuer == after.issuer
                && (before.keyType == nil || after.keyType == nil || before.keyType == after.keyType)
            return AlertDraft(type: .tlsChange, severity: renewal ? .low : .medium, host: host, port: port,
                              title: renewal ? "TLS certificate on port \(port) renewed" : "TLS certificate on port \(port) replaced",
                              details: ["change": .string(renewal ? "renewal" : "replacement"),
                                        "previous": Self.json(before), "current": Self.json(after)],
                              certificateFingerprint: after.fingerprint)
        case (nil, let after?) where old.plain:
            return AlertDraft(type: .tlsChange, severity: .low, host: host, port: port,
                              title: "Port \(port) now speaks TLS",
                              details: ["change": .string("tls_added"), "previous": .null, "current": Self.json(after)],
                              certificateFingerprint: after.fingerprint)
        case (let before?, nil) where new.plain:
            return AlertDraft(type: .tlsChange, severity: .medium, host: host, port: port,
                              title: "Port \(port) no longer speaks TLS",
                              details: ["change": .string("tls_removed"), "previous": Self.json(before), "current": .null])
        default:
            return nil
        }
    }

    /// The threshold (days) a certificate has crossed: 1, 7, 14, or nil when it is further out.
    static func threshold(daysLeft seconds: TimeInterval) -> Int? {
        expiryThresholds.first { seconds <= Double($0) * 86_400 }
    }

    private func expiring(current: ScanSnapshot, alreadyAlerted: Set<String>, now: Date) -> [AlertDraft] {
        var seen = alreadyAlerted
        var drafts: [AlertDraft] = []
        for host in current.openPorts.keys.sorted() where current.acceptsAll[host] == nil {
            for open in (current.openPorts[host] ?? []).sorted(by: { $0.port < $1.port }) {
                guard let tls = open.tls, let threshold = Self.threshold(daysLeft: tls.notAfter.timeIntervalSince(now)) else { continue }
                let key = "\(tls.fingerprint):\(threshold)"
                guard !seen.contains(key), !(threshold == 14 && seen.contains(tls.fingerprint)) else { continue }
                seen.insert(key)
                drafts.append(tlsExpiring(host, open, tls, threshold: threshold, now: now))
            }
        }
        return drafts
    }

    private func tlsExpiring(_ host: String, _ open: OpenPort, _ tls: TLSFacts, threshold: Int, now: Date) -> AlertDraft {
        let seconds = tls.notAfter.timeIntervalSince(now)
        let days = Int((seconds / 86_400).rounded(.down))
        let title = seconds <= 0 ? "TLS certificate on port \(open.port) has expired"
            : "TLS certificate on port \(open.port) expires in \(days) day\(days == 1 ? "" : "s")"
        let severity: Severity = seconds <= 0 || threshold == 1 ? .critical : threshold == 7 ? .high : .medium
        return AlertDraft(type: .tlsExpiring, severity: severity, host: host, port: open.port, title: title,
                          details: ["certificate": Self.json(tls), "days_left": .int(days), "threshold_days": .int(threshold)],
                          certificateFingerprint: tls.fingerprint, expiryThreshold: threshold)
    }

    static func json(_ tls: TLSFacts) -> JSONValue {
        var object: [String: JSONValue] = [
            "subject": .string(tls.subject), "issuer": .string(tls.issuer),
            "fingerprint": .string(tls.fingerprint), "not_after": .string(RFC3339.string(from: tls.notAfter))]
        if let keyType = tls.keyType { object["key_type"] = .string(keyType) }
        return .object(object)
    }

    private static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
}
