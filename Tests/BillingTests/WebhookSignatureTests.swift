// Stripe-Signature verification against vectors computed independently with Python:
//   hmac.new(b"whsec_test_Zm9vYmFyYmF6cXV4", b"1700000000." + body, hashlib.sha256).hexdigest()
import Billing
import Foundation
import Testing

@Suite("Webhook signatures")
struct WebhookSignatureTests {
    static let secret = "whsec_test_Zm9vYmFyYmF6cXV4"
    static let body = Array(#"{"id":"evt_1","object":"event","type":"customer.subscription.updated","created":1700000000}"#.utf8)
    static let valid = "f4d34134937b8472a063d0decdd68cab822255d73182055b4c5bc2ca6a54fdf0"
    /// The same message signed with "whsec_other".
    static let otherSecret = "83f3ecb986d09bfc8d67feef1a32c97f4a62f2b5b713f1389c6f194cd2bb4ec3"
    static let timestamp: Int64 = 1_700_000_000
    let verifier = WebhookVerifier(secret: secret)
    let now = Date(timeIntervalSince1970: 1_700_000_100)

    @Test("a signature computed by Python's hmac verifies")
    func pythonVector() throws {
        try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.valid)", now: now)
        #expect(verifier.header(payload: Self.body, timestamp: Self.timestamp) == "t=\(Self.timestamp),v1=\(Self.valid)")
    }

    @Test("a timestamp older than 300 seconds is refused even with a valid signature")
    func expired() {
        let late = Date(timeIntervalSince1970: TimeInterval(Self.timestamp + 301))
        #expect(throws: WebhookSignatureError.timestampOutsideTolerance) {
            try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.valid)", now: late)
        }
        let justInTime = Date(timeIntervalSince1970: TimeInterval(Self.timestamp + 300))
        #expect(throws: Never.self) { try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.valid)", now: justInTime) }
    }

    @Test("a signature made with another secret is refused")
    func wrongSecret() {
        #expect(throws: WebhookSignatureError.noMatchingSignature) {
            try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.otherSecret)", now: now)
        }
        #expect(throws: Never.self) {
            try WebhookVerifier(secret: "whsec_other").verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.otherSecret)", now: now)
        }
    }

    @Test("with two v1 values, one valid is enough, in either position")
    func twoSignatures() throws {
        try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.otherSecret),v1=\(Self.valid)", now: now)
        try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=\(Self.valid),v1=\(Self.otherSecret),v0=abc", now: now)
    }

    @Test("a tampered body or timestamp is refused")
    func tampered() {
        var body = Self.body
        body[body.count - 2] = UInt8(ascii: "1")
        #expect(throws: WebhookSignatureError.noMatchingSignature) {
            try verifier.verify(payload: body, header: "t=\(Self.timestamp),v1=\(Self.valid)", now: now)
        }
        #expect(throws: WebhookSignatureError.noMatchingSignature) {
            try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp + 1),v1=\(Self.valid)", now: now)
        }
    }

    @Test("a timestamp at the ends of Int64 is refused as out of tolerance, without overflowing")
    func extremeTimestamps() {
        for t in [Int64.min, Int64.min + 1, Int64.max] {
            #expect(throws: WebhookSignatureError.timestampOutsideTolerance) {
                try verifier.verify(payload: Self.body, header: "t=\(t),v1=\(Self.valid)", now: now)
            }
        }
    }

    @Test("missing or malformed headers are refused")
    func malformed() {
        #expect(throws: WebhookSignatureError.missingHeader) { try verifier.verify(payload: Self.body, header: nil, now: now) }
        #expect(throws: WebhookSignatureError.malformedHeader) { try verifier.verify(payload: Self.body, header: "v1=\(Self.valid)", now: now) }
        #expect(throws: WebhookSignatureError.malformedHeader) { try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp)", now: now) }
        #expect(throws: WebhookSignatureError.malformedHeader) { try verifier.verify(payload: Self.body, header: "t=abc,v1=\(Self.valid)", now: now) }
        #expect(throws: WebhookSignatureError.malformedHeader) { try verifier.verify(payload: Self.body, header: "t=\(Self.timestamp),v1=zz", now: now) }
    }
}
