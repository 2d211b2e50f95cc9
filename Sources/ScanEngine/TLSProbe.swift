// The TLS probe of one port: non-blocking connect + OpenSSL handshake under one deadline (poll), then the
// leaf certificate. Traps: one deadline covers connect + handshake, so a silent or trickling peer cannot
// hold a probe; waits are sliced so that a cancelled batch ends within ~50 ms; a chain over
// TLSClientContext.maxCertificateList fails the handshake. "Not TLS" is only said when the peer answered
// with bytes that are not TLS records, or closed without a byte: everything else is a failed probe.
import Foundation
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
        probe(Target(host: host, port: port, serverName: serverName), timeout: timeout, isCancelled: { false })
    }

    static func probe(_ target: Target, timeout: Duration, isCancelled: @escaping () -> Bool) -> TLSProbeOutcome {
        let deadline = MonotonicClock.now() + timeout.nanoseconds
        guard let address = SocketAddress(numeric: target.host, port: target.port) else {
            return .failed(TLSProbeFailure(.local, "not a numeric address: \(target.host)"))
        }
        let fd = socket(address.family, SocketType.nonBlockingStream, 0)
        guard fd >= 0 else { return .failed(TLSProbeFailure(.local, "socket: \(String(cString: strerror(errno)))")) }
        let socket = OwnedSocket(fd: fd)
        let wait = Waiter(deadline: deadline, isCancelled: isCancelled)
        if let failure = connectWithin(socket, address, wait) { return .failed(failure) }
        guard let context = TLSClientContext.shared, let connection = TLSConnection(context: context) else {
            return .failed(TLSProbeFailure(.local, "OpenSSL context unavailable: \(drainOpenSSLErrors())"))
        }
        let ssl = connection.ssl
        ERR_clear_error()
        defer { ERR_clear_error() }
        SSL_set_fd(ssl, socket.fd)
        if let name = target.serverName, !name.isEmpty, SocketAddress(numeric: name, port: 0) == nil {
            _ = skannr_ssl_set_sni(ssl, name)
        }
        SSL_set_connect_state(ssl)
        while true {
            let rc = SSL_connect(ssl)
            if rc == 1 { break }
            let error = SSL_get_error(ssl, rc)
            let savedErrno = errno
            let events: Int16
            switch error {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            default: return handshakeFailure(ssl, error: error, errno: savedErrno)
            }
            if let failure = wait.ready(socket.fd, events: events) { return .failed(failure) }
        }
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            return .failed(TLSProbeFailure(.handshakeFailed, "no certificate"))
        }
        let cert = Certificate(owning: peer)
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? ""
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
        guard let facts = CertificateReader.facts(of: cert, version: version, cipher: cipher, now: Date()) else {
            return .failed(TLSProbeFailure(.unreadableCertificate, "the leaf certificate could not be read"))
        }
        return .tls(facts)
    }

    /// Classifies a handshake that ended without WANT_READ/WANT_WRITE.
    private static func handshakeFailure(_ ssl: OpaquePointer, error: Int32, errno savedErrno: Int32) -> TLSProbeOutcome {
        let bytesFromPeer = SSL_get_rbio(ssl).map { BIO_number_read($0) } ?? 0
        let first = ERR_peek_error()
        let detail = drainOpenSSLErrors()
        let eof = skannr_err_is_unexpected_eof(first) == 1
            || (error == SSL_ERROR_SYSCALL && first == 0 && (savedErrno == 0 || savedErrno == EAGAIN))
        if error == SSL_ERROR_SSL, skannr_err_means_not_tls(first) == 1 {
            return .notTLS(reason: detail)
        }
        if eof {
            return bytesFromPeer == 0
                ? .notTLS(reason: "closed the connection without answering")
                : .failed(TLSProbeFailure(.reset, "closed during the handshake"))
        }
        if error == SSL_ERROR_SYSCALL || skannr_err_is_system(first) == 1 {
            let why = savedErrno != 0 && savedErrno != EAGAIN ? String(cString: strerror(savedErrno)) : detail
            return .failed(TLSProbeFailure(.reset, why.isEmpty ? "connection error" : why))
        }
        return .failed(TLSProbeFailure(.handshakeFailed, detail.isEmpty ? "SSL error \(error)" : detail))
    }

    /// Non-blocking connect bounded by the deadline; nil when connected.
    private static func connectWithin(_ socket: OwnedSocket, _ address: SocketAddress, _ wait: Waiter) -> TLSProbeFailure? {
        let rc = address.withSockaddr { connect(socket.fd, $0, $1) }
        if rc == 0 { return nil }
        guard errno == EINPROGRESS else { return TLSProbeFailure(.connectFailed, "connect: \(String(cString: strerror(errno)))") }
        if let failure = wait.ready(socket.fd, events: Int16(POLLOUT)) { return failure }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { err = errno }
        return err == 0 ? nil : TLSProbeFailure(.connectFailed, "connect: \(String(cString: strerror(err)))")
    }

    /// poll() in slices until the fd is ready, the deadline passes or the batch is cancelled.
    private struct Waiter {
        let deadline: UInt64
        let isCancelled: () -> Bool
        static let slice: UInt64 = 50_000_000

        /// nil when ready (or when poll reports an error: the next call will say which).
        func ready(_ fd: Int32, events: Int16) -> TLSProbeFailure? {
            while true {
                if isCancelled() { return TLSProbeFailure(.local, "cancelled") }
                let now = MonotonicClock.now()
                guard now < deadline else { return TLSProbeFailure(.timeout, "no complete handshake before the deadline") }
                var pfd = pollfd(fd: fd, events: events, revents: 0)
                let ms = Int32((min(deadline - now, Self.slice) + 999_999) / 1_000_000)
                let rc = poll(&pfd, 1, ms)
                if rc > 0 { return nil }
                if rc < 0 && errno != EINTR { return nil }
            }
        }
    }
}
