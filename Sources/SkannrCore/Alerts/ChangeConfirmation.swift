// Confirmed changes before alerts (issue 14): which (address, port) pairs differ from the baseline
// and must be probed again (more retries, longer timeout), and how the answers decide whether a
// change is real. Pure: the runner does the probing. Confirmation never changes a scan's results;
// an unconfirmed change raises nothing and leaves the baseline as it was.
// Rules: an opened port is confirmed when a re-probe finds it open; a closed port when it was
// re-probed and no address answered open; a host down when every re-probe went unanswered. On a
// first scan, the ports left unanswered on answering hosts are re-probed; those found open join the
// baseline (not the results, not an alert).
import Foundation

/// What a re-probe answered.
public enum ProbeAnswer: String, Sendable, Equatable {
    case open, closed, silent
}

public struct AddressPort: Hashable, Sendable, Comparable {
    public let address: String
    public let port: UInt16

    public init(_ address: String, _ port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (a: AddressPort, b: AddressPort) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

/// A difference between the baseline and the current scan, before confirmation.
enum Change: Sendable, Equatable {
    case opened(identity: String, port: UInt16)
    case closed(identity: String, port: UInt16)
    case hostDown(identity: String)
}

public struct ChangeConfirmation: Sendable {
    /// Ports re-probed to confirm that a silent host is really down.
    public var hostDownSample = 16

    public init() {}

    /// The pairs to probe again, sorted; empty when there is nothing to confirm.
    public func candidates(baseline: ScanSnapshot?, current: ScanSnapshot) -> [AddressPort] {
        guard let baseline else {
            // First scan: nothing to compare, but the baseline must not start with a missed open port.
            return current.unanswered.flatMap { address, ports in ports.map { AddressPort(address, $0) } }.sorted()
        }
        let before = baseline.groups(), now = current.groups()
        var pairs: Set<AddressPort> = []
        for change in Self.changes(before: before, now: now, baseline: baseline, current: current) {
            pairs.formUnion(probes(for: change, before: before, now: now, current: current))
        }
        return pairs.sorted()
    }

    /// Whether a change is confirmed by the answers (nil answers: no confirmation step, all are).
    func isConfirmed(_ change: Change, answers: [AddressPort: ProbeAnswer]?, before: [String: HostGroup],
                     now: [String: HostGroup], current: ScanSnapshot) -> Bool {
        guard let answers else { return true }
        let heard = probes(for: change, before: before, now: now, current: current).compactMap { answers[$0] }
        switch change {
        case .opened: return heard.contains(.open)
        case .closed: return !heard.isEmpty && !heard.contains(.open)
        case .hostDown: return !heard.isEmpty && heard.allSatisfy { $0 == .silent }
        }
    }

    private func probes(for change: Change, before: [String: HostGroup], now: [String: HostGroup],
                        current: ScanSnapshot) -> [AddressPort] {
        switch change {
        case .opened(let identity, let port):
            return (now[identity]?.ports[port]?.addresses ?? []).map { AddressPort($0, port) }
        case .closed(let identity, let port):
            return (now[identity]?.addresses ?? []).map { AddressPort($0, port) }
        case .hostDown(let identity):
            var ports = (before[identity]?.ports.keys.sorted() ?? []).filter(current.covers)
            if ports.isEmpty { ports = Array((current.coveredPorts ?? PortList(ranges: [])).prefix(hostDownSample)) }
            let sample = ports.prefix(hostDownSample)
            return (now[identity]?.addresses ?? []).flatMap { address in sample.map { AddressPort(address, $0) } }
        }
    }

    /// Every difference between baseline and current that could alert, over the ports BOTH cover.
    /// Not compared: hosts the current scan did not cover, hosts new to the baseline, hosts that
    /// accept everything now, and the missing ports of a host whose results were cut (partial).
    static func changes(before: [String: HostGroup], now: [String: HostGroup],
                        baseline: ScanSnapshot, current: ScanSnapshot) -> [Change] {
        var changes: [Change] = []
        for identity in now.keys.sorted() {
            guard let cur = now[identity], let base = before[identity], cur.acceptsAll == nil else { continue }
            if !cur.up {
                if base.up && !cur.partial { changes.append(.hostDown(identity: identity)) }
                continue
            }
            let ports = Set(base.ports.keys).union(cur.ports.keys).sorted()
            for port in ports where baseline.covers(port) && current.covers(port) {
                switch (base.ports[port] != nil, cur.ports[port] != nil) {
                case (false, true): changes.append(.opened(identity: identity, port: port))
                case (true, false) where !cur.partial: changes.append(.closed(identity: identity, port: port))
                default: break
                }
            }
        }
        return changes
    }
}
