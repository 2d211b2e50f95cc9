// Which resolved or expanded addresses this runner may connect to: the address policy (no
// private, loopback or reserved space unless allowed) and, when configured, an allow-list of
// networks (SKANNR_SCANNER_ONLY_NETWORKS). Test stacks pin the runner to loopback with it, so a
// test target can never make the scanner touch another network.
import SkannrCore

public struct ScanScope: Sendable {
    public var allowPrivate: Bool
    /// Empty: no allow-list. Otherwise every scanned address must fall in one of these.
    public var onlyNetworks: [CIDRBlock]

    public init(allowPrivate: Bool, onlyNetworks: [CIDRBlock] = []) {
        self.allowPrivate = allowPrivate
        self.onlyNetworks = onlyNetworks
    }

    public func permits(_ numericAddress: String) -> Bool {
        guard AddressPolicy.isAllowed(numericAddress: numericAddress, allowPrivate: allowPrivate) else { return false }
        guard !onlyNetworks.isEmpty else { return true }
        guard let address = try? IPAddress.parse(numericAddress) else { return false }
        return onlyNetworks.contains { $0.contains(address) }
    }

    /// Parses `127.0.0.0/8,::1/128`.
    public static func networks(_ list: String) throws(AddressError) -> [CIDRBlock] {
        var blocks: [CIDRBlock] = []
        for item in list.split(separator: ",") {
            blocks.append(try CIDRBlock.parse(String(item).trimmingCharacters(in: .whitespaces)))
        }
        return blocks
    }
}
