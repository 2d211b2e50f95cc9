// What a target's owner told us about its ports, applied to the diff's alerts before they are
// stored (issue 19, contract "Expected ports"): a new_port on an expected port is `info` (it was
// meant to be open), a closed_port on one is `high` (a service relied on went away); an accepted
// risk — the latest alert at (host, port) is `accepted` with the same type — raises nothing until
// something else happens at that (host, port). Pure: the runner loads the facts.
public struct AlertPolicy: Sendable {
    /// A (host, port, type) whose latest alert was accepted.
    public struct Accepted: Hashable, Sendable {
        public let host: String
        public let port: UInt16?
        public let type: AlertDraft.Kind
        public init(host: String, port: UInt16?, type: AlertDraft.Kind) {
            self.host = host; self.port = port; self.type = type
        }
    }

    public var expectedPorts: PortList?
    public var accepted: Set<Accepted>

    public init(expectedPorts: PortList? = nil, accepted: Set<Accepted> = []) {
        self.expectedPorts = expectedPorts
        self.accepted = accepted
    }

    public func apply(to drafts: [AlertDraft]) -> [AlertDraft] {
        drafts.compactMap { draft in
            // A tls_change is a new change every time (another certificate): acceptance never hides it.
            if draft.type != .tlsChange, accepted.contains(Accepted(host: draft.host, port: draft.port, type: draft.type)) { return nil }
            guard let port = draft.port, let expected = expectedPorts, expected.contains(port) else { return draft }
            var adjusted = draft
            switch draft.type {
            case .newPort: adjusted.severity = .info
            case .closedPort: adjusted.severity = .high
            default: return draft
            }
            adjusted.details["expected"] = .bool(true)
            return adjusted
        }
    }
}
