// Name resolution for targets: A and AAAA through c-ares (our own deadline, no NSS), retried with backoff
// on temporary failures (timeout, SERVFAIL, refused); NXDOMAIN and "no address" are permanent at once.
// Traps: blocks the calling thread (at most `Options.deadline`); numeric input passes through; names are
// tried as given (no search domains: a target is a fully qualified name); addresses come back sorted
// (IPv4, then IPv6) so that a round-robin name yields the same list, and a cap the same subset, every time.
import Glibc

public enum Resolver {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// "name_not_found", "invalid_name" (permanent); "resolver_timeout", "resolver_unavailable" (temporary).
        public let code: String
        public let message: String
        /// True when asking again later may succeed (the scan should be retried, not failed).
        public let isTemporary: Bool
        public var description: String { "\(code): \(message)" }

        init(_ code: String, _ message: String, temporary: Bool) {
            self.code = code
            self.message = message
            self.isTemporary = temporary
        }
    }

    public struct Options: Sendable {
        /// Deadline of one attempt (both A and AAAA queries).
        public var attemptTimeout: Duration = .seconds(3)
        /// Attempts in all (temporary failures only are retried).
        public var attempts: Int = 4
        /// Wait before the second attempt; doubled after each, at most 2 s.
        public var backoff: Duration = .milliseconds(250)
        /// No attempt starts or runs past this, from the call.
        public var deadline: Duration = .seconds(12)
        /// DNS servers as "address:port" (tests); nil: the system's /etc/resolv.conf.
        public var servers: [String]? = nil
        /// Read /etc/hosts before DNS (as getaddrinfo does).
        public var useHostsFile: Bool = true

        public init() {}
    }

    /// IPv4 addresses (sorted), then IPv6 (sorted), without duplicates; throws `Failure`.
    public static func resolve(_ name: String, options: Options = Options()) throws -> [String] {
        if let numeric = SocketAddress(numeric: name, port: 0) { return [numeric.host] }
        guard !name.isEmpty, name.utf8.count <= 253, !name.utf8.contains(0) else {
            throw Failure("invalid_name", "not a host name", temporary: false)
        }
        let start = MonotonicClock.now()
        let end = start + options.deadline.nanoseconds
        var delay = options.backoff.nanoseconds
        var attempt = 0
        while true {
            attempt += 1
            let now = MonotonicClock.now()
            let attemptEnd = min(end, now + options.attemptTimeout.nanoseconds)
            let failure: Failure
            switch DNSQuery.addresses(of: name, options: options, until: attemptEnd) {
            case .success(let addresses): return addresses
            case .failure(let error): failure = error
            }
            guard failure.isTemporary else { throw failure }
            let retryAt = MonotonicClock.now() + delay
            guard attempt < max(1, options.attempts), retryAt < end else {
                throw Failure(failure.code, "\(failure.message) (after \(attempt) attempts)", temporary: true)
            }
            usleep(UInt32(min(delay / 1_000, 2_000_000)))
            delay = min(delay * 2, 2_000_000_000)
        }
    }

    /// Sorts numeric addresses: IPv4 before IPv6, each by its bytes.
    static func sorted(_ addresses: [String]) -> [String] {
        func key(_ text: String) -> [UInt8] {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return [4] + withUnsafeBytes(of: v4) { Array($0) } }
            if inet_pton(AF_INET6, text, &v6) == 1 { return [6] + withUnsafeBytes(of: v6) { Array($0) } }
            return [9] + Array(text.utf8)
        }
        return Array(Set(addresses)).sorted { key($0).lexicographicallyPrecedes(key($1)) }
    }
}
