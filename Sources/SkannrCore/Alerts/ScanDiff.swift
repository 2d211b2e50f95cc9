// The rules that turn two completed scans of one target into alerts (issue 6, contract "Alerts").
// - previous == nil (baseline): no new_port / closed_port / tls_change; tls_expiring still applies.
// - new_port / closed_port per (host, port); a port that closed and opens again is a new new_port.
// - A host of the previous scan that is missing from the current one (it left the domain's DNS
//   answer, or the CIDR scan found it down) has ALL its previously open ports closed: one
//   closed_port each. details.reason: "host_not_in_scan" (not scanned this time),
//   "host_down_or_all_closed" (scanned, nothing open) or "port_closed" (other ports still open).
// - tls_change when both scans saw a certificate on the same (host, port) and the fingerprint differs.
// - tls_expiring when a certificate expires within `expiryWindow` (14 days) or already expired,
//   once per certificate fingerprint: skipped when already alerted, one alert per scan even when
//   the same certificate is on many hosts/ports (the first in host, port order).
import Foundation

public struct ScanDiff: Sendable {
    public var expiryWindow: TimeInterval = 14 * 86_400

    public init() {}

    public func alerts(previous: ScanSnapshot?, current: ScanSnapshot,
                       alreadyAlertedFingerprints: Set<String>, now: Date) -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        if let previous {
            drafts += portChanges(previous: previous, current: current)
        }
        drafts += expiring(current: current, alreadyAlerted: alreadyAlertedFingerprints, now: now)
        return drafts.sorted { ($0.host, $0.port, $0.type.rawValue) < ($1.host, $1.port, $1.type.rawValue) }
    }

    private func portChanges(previous: ScanSnapshot, current: ScanSnapshot) -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        for (host, ports) in current.openPorts {
            for open in ports {
                guard let before = previous.port(host, open.port) else {
                    drafts.append(newPort(host, open))
                    continue
                }
                if let old = before.tls, let new = open.tls, old.fingerprint != new.fingerprint {
                    drafts.append(tlsChange(host, open, old: old, new: new))
                }
            }
        }
        for (host, ports) in previous.openPorts {
            let reason: String? = !current.hostsScanned.contains(host) ? "host_not_in_scan"
                : (current.openPorts[host]?.isEmpty ?? true) ? "host_down_or_all_closed" : nil
            for old in ports where current.port(host, old.port) == nil {
                drafts.append(closedPort(host, old, reason: reason ?? "port_closed"))
            }
        }
        return drafts
    }

    private func expiring(current: ScanSnapshot, alreadyAlerted: Set<String>, now: Date) -> [AlertDraft] {
        var seen = alreadyAlerted
        var drafts: [AlertDraft] = []
        for host in current.openPorts.keys.sorted() {
            for open in (current.openPorts[host] ?? []).sorted(by: { $0.port < $1.port }) {
                guard let tls = open.tls, tls.notAfter.timeIntervalSince(now) <= expiryWindow,
                      !seen.contains(tls.fingerprint) else { continue }
                seen.insert(tls.fingerprint)
                drafts.append(tlsExpiring(host, open, tls, now: now))
            }
        }
        return drafts
    }

    static func name(_ open: OpenPort) -> String {
        open.service ?? PortCatalog.serviceName(for: open.port) ?? "unknown"
    }

    private func newPort(_ host: String, _ open: OpenPort) -> AlertDraft {
        let risk = ServiceRisk.of(port: open.port)
        return AlertDraft(type: .newPort, severity: risk.severity, host: host, port: open.port,
                          title: "New open port \(open.port) (\(Self.name(open)))",
                          details: ["service": .string(Self.name(open)), "risk": .string(risk.label)])
    }

    private func closedPort(_ host: String, _ open: OpenPort, reason: String) -> AlertDraft {
        AlertDraft(type: .closedPort, severity: .info, host: host, port: open.port,
                   title: "Port \(open.port) (\(Self.name(open))) closed",
                   details: ["service": .string(Self.name(open)), "reason": .string(reason)])
    }

    private func tlsChange(_ host: String, _ open: OpenPort, old: TLSFacts, new: TLSFacts) -> AlertDraft {
        AlertDraft(type: .tlsChange, severity: .medium, host: host, port: open.port,
                   title: "TLS certificate changed on port \(open.port)",
                   details: ["previous": Self.json(old), "current": Self.json(new)],
                   certificateFingerprint: new.fingerprint)
    }

    private func tlsExpiring(_ host: String, _ open: OpenPort, _ tls: TLSFacts, now: Date) -> AlertDraft {
        let seconds = tls.notAfter.timeIntervalSince(now)
        let days = Int((seconds / 86_400).rounded(.down))
        let title = seconds <= 0 ? "TLS certificate on port \(open.port) has expired"
            : "TLS certificate on port \(open.port) expires in \(days) day\(days == 1 ? "" : "s")"
        return AlertDraft(type: .tlsExpiring, severity: seconds <= 3 * 86_400 ? .high : .medium,
                          host: host, port: open.port, title: title,
                          details: ["certificate": Self.json(tls), "days_left": .int(days)],
                          certificateFingerprint: tls.fingerprint)
    }

    static func json(_ tls: TLSFacts) -> JSONValue {
        .object(["subject": .string(tls.subject), "issuer": .string(tls.issuer),
                 "fingerprint": .string(tls.fingerprint), "not_after": .string(RFC3339.string(from: tls.notAfter))])
    }
}
