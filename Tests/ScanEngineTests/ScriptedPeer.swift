// A loopback TCP server whose every connection runs a script on its own thread (delayed TLS handshakes,
// resets mid-handshake), and that counts how many connections are being handled at once.
// Traps: binds 127.0.0.1 only; close() stops accepting, handlers end by themselves (bounded scripts).
import Foundation
import Glibc
import COpenSSL
import TestSupport

final class ScriptedPeer: @unchecked Sendable {
    let port: UInt16
    private let listener: LoopbackListener
    private let lock = NSLock()
    private var active = 0
    private var peak = 0
    private var handled = 0

    /// Starts accepting; `script` gets each connected socket (closed by us after the script returns).
    init(script: @escaping @Sendable (Int32) -> Void) throws {
        listener = try LoopbackListener(behaviour: .listenOnly)
        port = listener.port
        let fd = listener.fd
        Thread { [self] in
            while true {
                let peer = accept(fd, nil, nil)
                guard peer >= 0 else { return }
                begin()
                Thread { [self] in
                    script(peer)
                    Glibc.close(peer)
                    end()
                }.start()
            }
        }.start()
    }

    /// Most connections handled at the same moment.
    var peakActive: Int { lock.withLock { peak } }
    var connectionsHandled: Int { lock.withLock { handled } }

    /// Handlers count a connection when their script returns, which can be just after the client has
    /// its answer: waits (at most `limit`) until `count` connections were handled, returns how many were.
    func handled(atLeast count: Int, within limit: Duration = .seconds(3)) -> Int {
        let deadline = ContinuousClock.now + limit
        while connectionsHandled < count, ContinuousClock.now < deadline { usleep(10_000) }
        return connectionsHandled
    }

    private func begin() {
        lock.withLock {
            active += 1
            peak = max(peak, active)
        }
    }

    private func end() {
        lock.withLock {
            active -= 1
            handled += 1
        }
    }

    func close() { listener.close() }
    deinit { close() }
}

/// An OpenSSL server context for scripts that complete a real handshake (blocking sockets).
final class TLSServerContext: @unchecked Sendable {
    let ctx: OpaquePointer

    init(certificate: TestCertificate) throws {
        guard let method = TLS_server_method(), let ctx = SSL_CTX_new(method) else { throw TestFailure("SSL_CTX_new") }
        self.ctx = ctx
        guard SSL_CTX_use_certificate_file(ctx, certificate.certPath, SSL_FILETYPE_PEM) == 1,
              SSL_CTX_use_PrivateKey_file(ctx, certificate.keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TestFailure("could not load \(certificate.certPath)")
        }
    }

    /// Completes a server handshake on `fd` (or fails; the outcome is the client's business).
    func handshake(_ fd: Int32) {
        guard let ssl = SSL_new(ctx) else { return }
        defer { SSL_free(ssl) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)   // bounded even if the client vanishes
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        SSL_set_fd(ssl, fd)
        if SSL_accept(ssl) == 1 { _ = SSL_shutdown(ssl) }
        ERR_clear_error()
    }

    deinit { SSL_CTX_free(ctx) }
}

enum Scripts {
    /// Reads what the client sent first (its ClientHello), up to 1 s.
    static func readHello(_ fd: Int32) {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 1000) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        _ = read(fd, &buffer, buffer.count)
    }

    /// Sends bytes that start a TLS ServerHello record, then resets the connection (SO_LINGER 0).
    static func startTLSThenReset(_ fd: Int32) {
        readHello(fd)
        let partial: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03]
        _ = write(fd, partial, partial.count)
        usleep(50_000)
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Sends the start of a TLS record, then closes cleanly (FIN) in the middle of the handshake.
    static func startTLSThenClose(_ fd: Int32) {
        readHello(fd)
        let partial: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00]
        _ = write(fd, partial, partial.count)
        usleep(50_000)
    }

    /// Speaks first in clear text like an SSH server.
    static func sshBanner(_ fd: Int32) {
        let banner = Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)
        _ = write(fd, banner, banner.count)
        readHello(fd)
    }
}
