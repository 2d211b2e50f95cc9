// What the TLS probe records about a port: the handshake's version and cipher and the leaf certificate.
// Trap: verification is off on purpose (we record facts, not trust); `selfSigned`/`expired` are computed.
import Foundation

public struct TLSFacts: Sendable, Equatable {
    /// SSL_get_version, e.g. "TLSv1.3".
    public let version: String
    /// SSL_get_cipher_name, e.g. "TLS_AES_256_GCM_SHA384".
    public let cipher: String
    /// One-line RFC 2253 names, e.g. "CN=example.com,O=Example".
    public let subject: String
    public let issuer: String
    /// DNS names and IP addresses of the subjectAltName extension, in certificate order.
    public let san: [String]
    public let notBefore: Date
    public let notAfter: Date
    /// SHA-256 of the DER leaf certificate, lowercase hex without separators.
    public let fingerprintSHA256: String
    /// Issuer equals subject and the signature verifies with the certificate's own key.
    public let selfSigned: Bool
    /// notAfter was in the past when the probe ran.
    public let expired: Bool
}

public enum TLSProbeOutcome: Sendable, Equatable {
    case tls(TLSFacts)
    /// The connection failed or the peer does not speak TLS; the reason is for logs.
    case notTLS(reason: String)
    /// No complete handshake before the deadline.
    case timeout
}
