// Plain-value input of the alert diff: what one completed scan found. Built by the scan-runner
// from its results rows; no database types.
import Foundation

public struct TLSFacts: Hashable, Sendable {
    public var fingerprint: String
    public var subject: String
    public var issuer: String
    public var notAfter: Date

    public init(fingerprint: String, subject: String, issuer: String, notAfter: Date) {
        self.fingerprint = fingerprint
        self.subject = subject
        self.issuer = issuer
        self.notAfter = notAfter
    }
}

public struct OpenPort: Hashable, Sendable {
    public var port: UInt16
    public var service: String?
    public var tls: TLSFacts?

    public init(port: UInt16, service: String? = nil, tls: TLSFacts? = nil) {
        self.port = port
        self.service = service
        self.tls = tls
    }
}

public struct ScanSnapshot: Sendable, Equatable {
    /// Open ports per host (numeric address text as stored in results).
    public var openPorts: [String: [OpenPort]]
    /// Every host the scan covered (resolved addresses of a domain, addresses of a CIDR).
    public var hostsScanned: Set<String>

    /// Hosts with open ports count as scanned even when `hostsScanned` omits them.
    public init(openPorts: [String: [OpenPort]], hostsScanned: Set<String>? = nil) {
        self.openPorts = openPorts
        self.hostsScanned = Set(openPorts.keys).union(hostsScanned ?? [])
    }

    func port(_ host: String, _ port: UInt16) -> OpenPort? {
        openPorts[host]?.first { $0.port == port }
    }
}

/// One alert to insert; the store adds ids, target, scan, status and timestamps.
public struct AlertDraft: Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case newPort = "new_port", closedPort = "closed_port", tlsChange = "tls_change", tlsExpiring = "tls_expiring"
    }

    public var type: Kind
    public var severity: Severity
    public var host: String
    public var port: UInt16
    public var title: String
    public var details: [String: JSONValue]
    /// For tls_expiring: the certificate fingerprint, to remember it was alerted (once per certificate).
    public var certificateFingerprint: String?

    public init(type: Kind, severity: Severity, host: String, port: UInt16, title: String,
                details: [String: JSONValue], certificateFingerprint: String? = nil) {
        self.type = type
        self.severity = severity
        self.host = host
        self.port = port
        self.title = title
        self.details = details
        self.certificateFingerprint = certificateFingerprint
    }
}
