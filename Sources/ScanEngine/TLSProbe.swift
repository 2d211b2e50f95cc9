// The TLS probe: connect, non-blocking OpenSSL handshake under one deadline (poll), read the leaf cert.
// Traps: one deadline covers connect + handshake, so a silent or trickling peer cannot hold a probe;
// a chain over TLSClientContext.maxCertificateList fails the handshake; garbage fails it at once.
import Foundation
import Dispatch
internal import COpenSSL

public enum TLSProbe {
    public struct Target: Sendable, Hashable {
        public let host: String
        public let port: UInt16
        /// SNI: the domain for domain targets; nil (or a numeric address) sends none.
        public let serverName: String?
        public init(host: String, port: UInt16, serverName: String?) {
            self.host = host
            self.port = port
            self.serverName = serverName
        }
    }

    /// Probes one port. Never blocks longer than `timeout` (plus scheduling noise).
    public static func probe(host: String, port: UInt16, serverName: String?, timeout: Duration) -> TLSProbeOutcome {
        let deadline = MonotonicClock.now() + timeout.nanoseconds
        guard let address = SocketAddress(numeric: host, port: port) else {
            return .notTLS(reason: "not a numeric address: \(host)")
        }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .notTLS(reason: "socket: \(String(cString: strerror(errno)))") }
        let socket = OwnedSocket(fd: fd)
        if let failure = connectWithin(socket, address, deadline: deadline) { return failure }
        guard let context = TLSClientContext.shared, let connection = TLSConnection(context: context) else {
            return .notTLS(reason: "OpenSSL context unavailable: \(drainOpenSSLErrors())")
        }
        let ssl = connection.ssl
        ERR_clear_error()
        SSL_set_fd(ssl, socket.fd)
        if let name = serverName, !name.isEmpty, SocketAddress(numeric: name, port: 0) == nil {
            _ = skannr_ssl_set_sni(ssl, name)
        }
        SSL_set_connect_state(ssl)
        while true {
            let rc = SSL_connect(ssl)
            if rc == 1 { break }
            let error = SSL_get_error(ssl, rc)
            let events: Int16
            switch error {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            default:
                let detail = drainOpenSSLErrors()
                return .notTLS(reason: detail.isEmpty ? "handshake failed (SSL error \(error))" : detail)
            }
            guard waitFor(socket.fd, events: events, deadline: deadline) else {
                ERR_clear_error()
                return .timeout
            }
        }
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            return .notTLS(reason: "no certificate")
        }
        let cert = Certificate(owning: peer)
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? ""
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
        defer { ERR_clear_error() }
        guard let facts = CertificateReader.facts(of: cert, version: version, cipher: cipher, now: Date()) else {
            return .notTLS(reason: "unreadable certificate")
        }
        return .tls(facts)
    }

    /// Probes many ports with at most `concurrency` handshakes at once; outcomes in the targets' order.
    public static func probeAll(_ targets: [Target], timeout: Duration, concurrency: Int = 8) -> [TLSProbeOutcome] {
        guard !targets.isEmpty else { return [] }
        let box = ResultBox(count: targets.count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(concurrency, targets.count))) { _ in
            while let index = box.nextIndex() {
                let t = targets[index]
                box.store(probe(host: t.host, port: t.port, serverName: t.serverName, timeout: timeout), at: index)
            }
        }
        return box.results()
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = Lock()
        private var next = 0
        private var outcomes: [TLSProbeOutcome]
        init(count: Int) { outcomes = Array(repeating: .timeout, count: count) }
        func nextIndex() -> Int? {
            lock.withLock {
                guard next < outcomes.count else { return nil }
                defer { next += 1 }
                return next
            }
        }
        func store(_ outcome: TLSProbeOutcome, at index: Int) { lock.withLock { outcomes[index] = outcome } }
        func results() -> [TLSProbeOutcome] { lock.withLock { outcomes } }
    }

    /// Non-blocking connect bounded by the deadline; nil when connected.
    private static func connectWithin(_ socket: OwnedSocket, _ address: SocketAddress, deadline: UInt64) -> TLSProbeOutcome? {
        let rc = address.withSockaddr { connect(socket.fd, $0, $1) }
        if rc == 0 { return nil }
        guard errno == EINPROGRESS else { return .notTLS(reason: "connect: \(String(cString: strerror(errno)))") }
        guard waitFor(socket.fd, events: Int16(POLLOUT), deadline: deadline) else { return .timeout }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { err = errno }
        return err == 0 ? nil : .notTLS(reason: "connect: \(String(cString: strerror(err)))")
    }

    /// poll() until the fd is ready or the deadline passes (EINTR retried).
    private static func waitFor(_ fd: Int32, events: Int16, deadline: UInt64) -> Bool {
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { return false }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min(UInt64(Int32.max), (deadline - now + 999_999) / 1_000_000))
            let rc = poll(&pfd, 1, ms)
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { return false }
        }
    }
}
