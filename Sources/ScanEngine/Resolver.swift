// Name resolution for targets: A and AAAA through getaddrinfo, as numeric strings, deduplicated.
// Trap: getaddrinfo blocks (it may take seconds); call it off request paths. Numeric input passes through.
import Glibc

public enum Resolver {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let code: String
        public let message: String
        public var description: String { "\(code): \(message)" }
    }

    /// IPv4 addresses first, then IPv6, each in the resolver's order, without duplicates.
    public static func resolve(_ name: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, nil, &hints, &list)
        guard rc == 0 else {
            let code = rc == EAI_NONAME || rc == -5 /* EAI_NODATA */ ? "name_not_found" : "resolver_failed"
            throw Failure(code: code, message: "\(name): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var v4: [String] = []
        var v6: [String] = []
        var node = list
        while let info = node {
            if let raw = info.pointee.ai_addr, let address = SocketAddress(raw: raw, length: info.pointee.ai_addrlen) {
                let text = address.host
                if address.family == AF_INET, !v4.contains(text) { v4.append(text) }
                if address.family == AF_INET6, !v6.contains(text) { v6.append(text) }
            }
            node = info.pointee.ai_next
        }
        guard !(v4.isEmpty && v6.isEmpty) else {
            throw Failure(code: "name_not_found", message: "\(name): no A or AAAA record")
        }
        return v4 + v6
    }
}
