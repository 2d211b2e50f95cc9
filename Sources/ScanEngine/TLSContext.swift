// The process-wide OpenSSL client context of the TLS probe and the owner classes of its C objects.
// Traps: verify mode none; security level 0 and TLS 1.0 allowed so that old servers are still described.
// OpenSSL writes with write(2): a peer that resets mid-handshake would raise SIGPIPE and kill the process,
// so making the context ignores SIGPIPE process-wide (errors come back as EPIPE instead).
import Glibc
internal import COpenSSL

/// One SSL_CTX for every probe (SSL_CTX is safe to share between threads once configured).
final class TLSClientContext: @unchecked Sendable {
    let ctx: OpaquePointer
    /// The largest certificate chain a peer may send (bytes): a huge chain fails the handshake, not us.
    static let maxCertificateList = 100 * 1024

    static let shared: TLSClientContext? = TLSClientContext()

    private init?() {
        signal(SIGPIPE, SIG_IGN)
        guard let method = TLS_client_method(), let ctx = SSL_CTX_new(method) else { return nil }
        self.ctx = ctx
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        SSL_CTX_set_security_level(ctx, 0)
        _ = skannr_ssl_ctx_set_min_proto(ctx, TLS1_VERSION)
        skannr_ssl_ctx_set_max_cert_list(ctx, Self.maxCertificateList)
    }

    deinit { SSL_CTX_free(ctx) }
}

/// An SSL object for one connection.
final class TLSConnection {
    let ssl: OpaquePointer

    init?(context: TLSClientContext) {
        guard let ssl = SSL_new(context.ctx) else { return nil }
        self.ssl = ssl
    }

    deinit { SSL_free(ssl) }
}

/// A certificate reference (X509_free in deinit).
final class Certificate {
    let x509: OpaquePointer
    init(owning x509: OpaquePointer) { self.x509 = x509 }
    deinit { X509_free(x509) }
}

/// A file descriptor closed in deinit.
final class OwnedSocket {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// Drains OpenSSL's (thread-local) error queue into one line.
func drainOpenSSLErrors() -> String {
    var lines: [String] = []
    while true {
        let code = ERR_get_error()
        guard code != 0 else { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return lines.joined(separator: "; ")
}
