// What the TLS probe learns about a port: SkannrCore's TLSFacts (handshake and leaf certificate),
// or why there is none. Trap: verification is off on purpose (we record facts, not trust).
// `.notTLS` (the peer answered and is not TLS) and `.failed` (we learned nothing) must not be confused:
// a failed probe says nothing about the certificate, so it must never count as a certificate change.
import Foundation
import SkannrCore   // TLSFacts: the one certificate value, shared with the store, the diff and the API

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
