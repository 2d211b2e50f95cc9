// Signing of webhook requests: `Skannr-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<raw body>")>`. The key is the whole secret text including its `whsec_` prefix (what the
// user was shown), so a receiver needs no decoding. Verification compares in constant time.
import SkannrCrypto

public enum WebhookSignature {
    public static let header = "Skannr-Signature"
    public static let eventIDHeader = "Skannr-Event-Id"

    public static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(hex(secret: secret, timestamp: timestamp, body: body))"
    }

    static func hex(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        Hex.encode(HMAC.sha256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body))
    }

    /// True when `headerValue` carries a v1 signature of `body` made with `secret`, at most
    /// `tolerance` seconds from `now`.
    public static func verify(_ headerValue: String, secret: String, body: [UInt8], now: Int64, tolerance: Int64 = 300) -> Bool {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in headerValue.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now - timestamp) <= tolerance else { return false }
        let expected = Array(hex(secret: secret, timestamp: timestamp, body: body).utf8)
        return signatures.contains { ConstantTime.equals(Array($0.utf8), expected) }
    }

    /// A new signing secret: `whsec_` + 32 random bytes in hex.
    public static func newSecret(random: RandomSource = .secure) -> String { "whsec_" + Hex.encode(random.bytes(32)) }
}
