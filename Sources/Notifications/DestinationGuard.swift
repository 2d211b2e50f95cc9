// The SSRF guard, applied at SEND time: the URL's host is resolved now, every address it resolves
// to must pass the scan-target policy (SkannrCore.AddressPolicy: no loopback, private, link-local,
// metadata... unless the server allows private targets), and the request is pinned to the checked
// address (curl's CURLOPT_RESOLVE) so a second lookup cannot swap in another one (DNS rebinding).
// The scope is the scan-runner's ScanScope: with SKANNR_NOTIFY_ONLY_NETWORKS set (test stacks:
// loopback) no destination outside those networks is ever contacted, whatever a channel says.
// Trap: a name with ANY disallowed address is refused, not filtered: an attacker controls the order.
import ScanEngine
import ScanRunner
import SkannrCore

public struct DestinationGuard: Sendable {
    public let scope: ScanScope
    /// Name -> numeric addresses (getaddrinfo in production; a table in tests).
    public let resolve: @Sendable (String) throws -> [String]

    public init(scope: ScanScope, resolve: @escaping @Sendable (String) throws -> [String] = { try Resolver.resolve($0) }) {
        self.scope = scope
        self.resolve = resolve
    }

    public var allowPrivate: Bool { scope.allowPrivate }

    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The checked destination: the parsed URL and the curl pin ("host:port:address"; none for a numeric host).
    public func check(_ text: String) throws(Refusal) -> (url: DestinationURL, pins: [String]) {
        let url: DestinationURL
        do { url = try DestinationURL.parse(text, allowPrivate: allowPrivate) } catch { throw Refusal(message: "URL \(error.message)") }
        if let address = url.address {
            guard scope.permits(address.description) else { throw Refusal(message: "\(address) is outside the networks this notifier may reach") }
            return (url, [])
        }
        let addresses: [String]
        do { addresses = try resolve(url.host) } catch { throw Refusal(message: "cannot resolve \(url.host): \(error)") }
        guard let first = addresses.first else { throw Refusal(message: "\(url.host) has no address") }
        // The message reaches the channel's owner (the delivery's last_error): never the address or its
        // kind, which would map the notifier's internal names and networks for anyone who adds a channel.
        guard addresses.allSatisfy(scope.permits) else {
            throw Refusal(message: "\(url.host) resolves to an address this notifier may not send to (not a public address)")
        }
        let pinned = first.contains(":") ? "[\(first)]" : first
        return (url, ["\(url.host):\(url.port):\(pinned)"])
    }
}
