// TOTP against the RFC 6238 appendix B vectors (SHA-1), the ±1 window, replay refusal, and the
// otpauth:// URI with awkward emails.
import Foundation
import Testing
@testable import SkannrCore
import SkannrCrypto

@Suite("TOTP")
struct AuthTOTPTests {
    static let rfcSecret = Array("12345678901234567890".utf8)
    static let vectors: [(Double, String)] = [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ]

    @Test("8-digit codes match RFC 6238 appendix B for SHA-1", arguments: vectors)
    func rfcEightDigits(time: Double, expected: String) {
        let totp = TOTP(secret: Self.rfcSecret, digits: 8)
        #expect(totp.code(at: Date(timeIntervalSince1970: time)) == expected)
    }

    @Test("6-digit codes are the last six digits of the RFC vectors", arguments: vectors)
    func rfcSixDigits(time: Double, expected: String) {
        let totp = TOTP(secret: Self.rfcSecret)
        #expect(totp.code(at: Date(timeIntervalSince1970: time)) == String(expected.suffix(6)))
    }

    @Test("codes of the previous, current and next step verify and return their step")
    func window() {
        let totp = TOTP(secret: Self.rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = totp.step(at: now)
        #expect(totp.verify(totp.code(step: step), at: now, lastUsedStep: nil) == step)
        #expect(totp.verify(totp.code(step: step - 1), at: now, lastUsedStep: nil) == step - 1)
        #expect(totp.verify(totp.code(step: step + 1), at: now, lastUsedStep: nil) == step + 1)
        #expect(totp.verify(totp.code(step: step - 2), at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify(totp.code(step: step + 2), at: now, lastUsedStep: nil) == nil)
    }

    @Test("a code whose step was already used is refused (no replay)")
    func replay() throws {
        let totp = TOTP(secret: TOTP.generateSecret())
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let code = totp.code(at: now)
        let used = try #require(totp.verify(code, at: now, lastUsedStep: nil))
        #expect(totp.verify(code, at: now, lastUsedStep: used) == nil)
        #expect(totp.verify(code, at: now.addingTimeInterval(25), lastUsedStep: used) == nil)
        // The previous step's code is also dead once a later step was used.
        #expect(totp.verify(totp.code(step: used - 1), at: now, lastUsedStep: used) == nil)
        // The next step's code still works.
        #expect(totp.verify(totp.code(step: used + 1), at: now, lastUsedStep: used) == used + 1)
    }

    @Test("malformed codes are refused", arguments: ["", "12345", "1234567", "12345a", " 12345", "１２３４５６"])
    func malformed(code: String) {
        let totp = TOTP(secret: Self.rfcSecret)
        #expect(totp.verify(code, at: Date(timeIntervalSince1970: 59), lastUsedStep: nil) == nil)
    }

    @Test("the otpauth URI percent-encodes the email's + @ and :")
    func otpauth() {
        let secret = Base32.encode(Self.rfcSecret)
        #expect(secret == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(TOTP.otpauthURL(secretBase32: secret, email: "alice+mfa@example.com")
            == "otpauth://totp/Skannr:alice%2Bmfa%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Skannr&algorithm=SHA1&digits=6&period=30")
        #expect(TOTP.otpauthURL(secretBase32: "AB", email: "o'brien:x y@ex.com")
            == "otpauth://totp/Skannr:o%27brien%3Ax%20y%40ex.com?secret=AB&issuer=Skannr&algorithm=SHA1&digits=6&period=30")
    }

    @Test("the otpauth URI secret decodes back to the generated secret")
    func secretRoundTrip() {
        let secret = TOTP.generateSecret()
        #expect(secret.count == 20)
        #expect(Base32.decode(Base32.encode(secret)) == secret)
    }
}
