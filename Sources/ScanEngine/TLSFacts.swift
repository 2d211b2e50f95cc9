// What the TLS probe records about a port: the handshake's version and cipher and the leaf certificate,
// or why there is none. Trap: verification is off on purpose (we record facts, not trust).
// `.notTLS` (the peer answered and is not TLS) and `.failed` (we learned nothing) must not be confused:
// a failed probe says nothing about the certificate, so it must never count as a certificate change.
import Foundation

public struct TLSFacts: Sendable, Equatable {
    /// SSL_get_version, e.g. "TLSv1.3".
    public let version: String
    /// SSL_get_cipher_name, e.g. "TLS_AES_256_GCM_SHA384".
    public let cipher: String
    /// One-line RFC 2253 names, e.g. "CN=example.com,O=Example".
    public let subject: String
    public let issuer: String
    /// DNS names and IP addresses of the subjectAltName extension, in certificate order (at most
    /// `CertificateReader.maxSubjectAltNames`; other name types are skipped).
    public let san: [String]
    public let notBefore: Date
    public let notAfter: Date
    /// SHA-256 of the DER leaf certificate, lowercase hex without separators.
    public let fingerprintSHA256: String
    /// Issuer equals subject and the signature verifies with the certificate's own key.
    public let selfSigned: Bool
    /// notAfter was in the past when the probe ran.
    public let expired: Bool
    /// The leaf's public key: "RSA-2048", "EC-P256", "EC-P384", "Ed25519", "Ed448", "DSA-2048", or
    /// the algorithm's short name with its bits; "unknown" when the key cannot be read.
    /// (A var with a default so that code building facts by hand need not name it.)
    public var keyType: String = "unknown"
}

/// Why a probe learned nothing (the port's TLS state is unknown, not changed).
public struct TLSProbeFailure: Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No complete handshake (or connect) before the deadline.
        case timeout
        /// The connection could not be made (refused, unreachable): the port closed since the sweep.
        case connectFailed = "connect_failed"
        /// The peer reset or closed the connection after the handshake had started.
        case reset
        /// The peer speaks TLS but the handshake failed (an alert, no common protocol, a chain over the cap).
        case handshakeFailed = "handshake_failed"
        /// The handshake completed but the leaf certificate could not be read (e.g. broken dates).
        case unreadableCertificate = "unreadable_certificate"
        /// Our side: no socket, no OpenSSL context, cancelled before the probe finished.
        case local
    }
    public let code: Code
    /// For logs only.
    public let message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code.rawValue): \(message)" }
}

public enum TLSProbeOutcome: Sendable, Equatable {
    case tls(TLSFacts)
    /// The peer answered and does not speak TLS: it sent something that is not a TLS record, or
    /// closed the connection without sending a byte. The reason is for logs.
    case notTLS(reason: String)
    /// The probe failed: nothing is known about TLS on this port this time.
    case failed(TLSProbeFailure)

    /// The facts when the handshake succeeded.
    public var facts: TLSFacts? {
        if case .tls(let facts) = self { return facts }
        return nil
    }

    public var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}
