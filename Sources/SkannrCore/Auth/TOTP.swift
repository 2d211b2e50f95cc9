// TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1: codes, a ±1-step verification window with
// replay refusal (a step at or before the last used one never matches), and the otpauth:// URI.
import Foundation
import SkannrCrypto

public struct TOTP: Sendable {
    public let secret: [UInt8]
    public let digits: Int
    public let period: Int

    public init(secret: [UInt8], digits: Int = 6, period: Int = 30) {
        self.secret = secret
        self.digits = min(max(digits, 6), 9)
        self.period = max(period, 1)
    }

    /// 20 random bytes (160 bits, the RFC 4226 recommendation) for a new enrolment.
    public static func generateSecret(random: RandomSource = .secure) -> [UInt8] { random.bytes(20) }

    /// The time step containing `date` (floor of Unix time / period).
    public func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    public func code(at date: Date) -> String { code(step: step(at: date)) }

    public func code(step: Int64) -> String {
        let counter = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: step) >> (56 - 8 * $0)) }   // big-endian
        let mac = HMAC.sha1(key: secret, message: counter)
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step (current, previous or next) whose code equals `code` and that is later than
    /// `lastUsedStep`; nil otherwise. Store the returned step as the new last used step.
    public func verify(_ code: String, at date: Date, lastUsedStep: Int64?) -> Int64? {
        let candidate = Array(code.utf8)
        guard candidate.count == digits, candidate.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let current = step(at: date)
        var matched: Int64?
        // Compare all three steps so the timing does not tell which one matched.
        for step in [current - 1, current, current + 1] {
            let equal = ConstantTime.equals(Array(self.code(step: step).utf8), candidate)
            if equal, step > (lastUsedStep ?? Int64.min), matched == nil { matched = step }
        }
        return matched
    }

    /// otpauth://totp/<issuer>:<email>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
    public static func otpauthURL(secretBase32: String, email: String, issuer: String = "Skannr",
                                  digits: Int = 6, period: Int = 30) -> String {
        let label = percentEncode(issuer) + ":" + percentEncode(email)
        return "otpauth://totp/\(label)?secret=\(percentEncode(secretBase32))&issuer=\(percentEncode(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
