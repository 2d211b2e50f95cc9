// The server's rule on which addresses may be scanned. With `allowPrivate` (development, tests)
// loopback, private, link-local, CGNAT, documentation and reserved ranges are allowed; multicast,
// broadcast and unspecified never are (0.0.0.0 silently means "this host" to connect()).
public struct AddressPolicy: Sendable, Equatable {
    public let allowPrivate: Bool

    public init(allowPrivate: Bool) { self.allowPrivate = allowPrivate }

    static let neverAllowed: Set<AddressRestriction> = [.multicast, .broadcast, .unspecified]

    func permits(_ restriction: AddressRestriction?) -> Bool {
        guard let restriction else { return true }
        return allowPrivate && !Self.neverAllowed.contains(restriction)
    }

    /// Throws `target_not_allowed` naming the kind of range when the target may not be scanned.
    public func check(_ address: TargetAddress) throws(AddressError) {
        guard let restriction = address.restriction(), !permits(restriction) else { return }
        let what = if case .cidr = address { "overlaps \(restriction.phrase) range" } else { "is \(restriction.phrase)" }
        throw AddressError(.notAllowed, "\(address.normalized) \(what) and cannot be scanned")
    }

    /// For the scanner: may this resolved numeric address be connected to? False for text that
    /// is not a numeric address (including IPv6 with a zone id).
    public static func isAllowed(numericAddress: String, allowPrivate: Bool) -> Bool {
        guard let address = try? IPAddress.parse(numericAddress) else { return false }
        return AddressPolicy(allowPrivate: allowPrivate).permits(address.restriction())
    }
}
