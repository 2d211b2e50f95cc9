// The one certificate value of Skannr: ScanEngine's TLS probe fills it, SkannrStore persists it
// (tls_certificates), ScanDiff compares it and the API's views print it. Traps: the diff compares
// by `fingerprint` only (never whole values: `expired` flips with time); a baseline (target_baselines
// JSON) keeps only the diff's fields (CodingKeys), the others decode to their defaults there.
import Foundation

public struct TLSFacts: Hashable, Sendable, Codable {
    /// SHA-256 of the DER leaf certificate, lowercase hex without separators.
    public var fingerprint: String
    /// One-line RFC 2253 names, e.g. "CN=example.com,O=Example".
    public var subject: String
    public var issuer: String
    public var notAfter: Date
    /// "RSA-2048", "EC-P256", "Ed25519"…; nil when the key could not be read (or older rows).
    public var keyType: String?
    /// The handshake's SSL_get_version ("TLSv1.3") and cipher name; empty when not probed (baselines).
    public var version: String = ""
    public var cipher: String = ""
    /// DNS names and IP addresses of the subjectAltName extension, in certificate order.
    public var san: [String] = []
    public var notBefore = Date(timeIntervalSince1970: 0)
    /// Issuer equals subject and the signature verifies with the certificate's own key.
    public var selfSigned = false
    /// notAfter was in the past when the probe ran.
    public var expired = false

    enum CodingKeys: String, CodingKey { case fingerprint, subject, issuer, notAfter, keyType }

    /// The fields the diff needs (tests, baselines).
    public init(fingerprint: String, subject: String, issuer: String, notAfter: Date, keyType: String? = nil) {
        self.fingerprint = fingerprint
        self.subject = subject
        self.issuer = issuer
        self.notAfter = notAfter
        self.keyType = keyType
    }

    /// Everything a probe learns. A key type of "unknown" (unreadable key) is stored as nil.
    public init(version: String, cipher: String, subject: String, issuer: String, san: [String], notBefore: Date,
                notAfter: Date, fingerprintSHA256: String, selfSigned: Bool, expired: Bool, keyType: String? = nil) {
        self.init(fingerprint: fingerprintSHA256, subject: subject, issuer: issuer, notAfter: notAfter,
                  keyType: keyType == "unknown" ? nil : keyType)
        self.version = version
        self.cipher = cipher
        self.san = san
        self.notBefore = notBefore
        self.selfSigned = selfSigned
        self.expired = expired
    }

    /// The fingerprint under the name of the contract's field (`fingerprint_sha256`).
    public var fingerprintSHA256: String { fingerprint }
}
