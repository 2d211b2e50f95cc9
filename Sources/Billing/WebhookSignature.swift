// Verifies Stripe's `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]` header: HMAC-SHA256 with
// the whole `whsec_...` string as the key over "<t>." + the raw body, any v1 may match, compared
// in constant time, and the timestamp within the tolerance (both directions) of now.
// Trap: verify the exact bytes received; re-serialised JSON never matches.
import Foundation
import SkannrCrypto

public enum WebhookSignatureError: Error, Sendable, Equatable {
    case missingHeader
    case malformedHeader
    case timestampOutsideTolerance
    case noMatchingSignature
}

public struct WebhookVerifier: Sendable {
    public let secret: String
    public let toleranceSeconds: Int64

    public init(secret: String, toleranceSeconds: Int64 = 300) {
        self.secret = secret
        self.toleranceSeconds = toleranceSeconds
    }

    /// Throws unless one v1 signature of `header` matches `payload` and the timestamp is fresh.
    public func verify(payload: [UInt8], header: String?, now: Date) throws(WebhookSignatureError) {
        guard let header, !header.isEmpty else { throw .missingHeader }
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: .whitespaces)
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            if key == "t" { timestamp = Int64(value) }
            if key == "v1", let bytes = Hex.decode(value), bytes.count == 32 { candidates.append(bytes) }
        }
        guard let timestamp, !candidates.isEmpty else { throw .malformedHeader }
        // The header is the sender's: t=-9223372036854775808 must be refused, not overflow the subtraction.
        let (age, overflow) = Int64(now.timeIntervalSince1970.rounded(.down)).subtractingReportingOverflow(timestamp)
        guard !overflow, age.magnitude <= toleranceSeconds.magnitude else { throw .timestampOutsideTolerance }
        let expected = signature(payload: payload, timestamp: timestamp)
        var matched = false
        for candidate in candidates where ConstantTime.equals(candidate, expected) { matched = true }
        guard matched else { throw .noMatchingSignature }
    }

    /// HMAC-SHA256(key: secret, "<timestamp>." + payload).
    public func signature(payload: [UInt8], timestamp: Int64) -> [UInt8] {
        HMAC.sha256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + payload)
    }

    /// A complete header value, as Stripe would send it (for tests and tools).
    public func header(payload: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=" + Hex.encode(signature(payload: payload, timestamp: timestamp))
    }
}
