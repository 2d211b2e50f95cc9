// Refresh tokens and recovery codes: shape, entropy, hashing and normalisation.
import Testing
@testable import SkannrCore
import SkannrCrypto

@Suite("Refresh tokens and recovery codes")
struct AuthTokenTests {
    @Test("refresh tokens are rt_ plus 256 random bits and their hash is SHA-256 of the string")
    func refresh() {
        let (token, hash) = RefreshToken.generate()
        #expect(token.hasPrefix("rt_"))
        #expect(token.count == 3 + 43)
        #expect(!token.contains("."))
        #expect(hash == Digest.sha256(Array(token.utf8)))
        #expect(RefreshToken.hash(token) == hash)
        #expect(RefreshToken.isWellFormed(token))
        #expect(!RefreshToken.isWellFormed("rt_short"))
        #expect(!RefreshToken.isWellFormed(String(token.dropFirst(3))))
        #expect(RefreshToken.generate().token != token)
    }

    @Test("ten distinct recovery codes of the form xxxxx-xxxxx")
    func recoveryShape() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes {
            #expect(code.count == 11)
            #expect(Array(code)[5] == "-")
            #expect(RecoveryCodes.isWellFormed(code))
        }
    }

    @Test("normalisation ignores case, dashes and spaces, so the hash matches what the user types")
    func normalize() {
        let code = RecoveryCodes.generate(count: 1)[0]
        let typed = " " + code.uppercased().replacingOccurrences(of: "-", with: " ") + " "
        #expect(RecoveryCodes.normalize(typed) == code.replacingOccurrences(of: "-", with: ""))
        #expect(RecoveryCodes.hash(typed) == RecoveryCodes.hash(code))
        #expect(RecoveryCodes.hash(code) == Digest.sha256(Array(RecoveryCodes.normalize(code).utf8)))
        #expect(!RecoveryCodes.isWellFormed("abcde-fghi1"))
        #expect(!RecoveryCodes.isWellFormed("abcde"))
    }
}
