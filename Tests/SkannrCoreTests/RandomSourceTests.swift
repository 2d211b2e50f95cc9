// SkannrCore takes its randomness as an input: with a predictable source the ids, secrets, tokens
// and codes it mints are predictable too (and keep their shapes); by default they come from the CSPRNG.
import SkannrCore
import Testing

@Suite("Injected randomness")
struct RandomSourceTests {
    @Test("a counting source gives consecutive bytes across calls")
    func counting() {
        let source = RandomSource.counting(from: 254)
        #expect(source.bytes(3) == [254, 255, 0])
        #expect(source.bytes(2) == [1, 2])
    }

    @Test("event ids and webhook secrets are the injected bytes in hex")
    func idsAndSecrets() {
        #expect(NotificationEvent.newID(random: .counting()) == "evt_000102030405060708090a0b")
        #expect(WebhookSignature.newSecret(random: .counting(from: 16)).hasPrefix("whsec_101112"))
    }

    @Test("refresh tokens, TOTP secrets and recovery codes are made from the injected bytes")
    func tokensAndCodes() {
        let (token, hash) = RefreshToken.generate(random: .counting())
        #expect(token == RefreshToken.generate(random: .counting()).token)
        #expect(RefreshToken.isWellFormed(token) && hash == RefreshToken.hash(token))
        #expect(TOTP.generateSecret(random: .counting()) == Array(0..<20))
        let codes = RecoveryCodes.generate(count: 2, random: .counting())
        #expect(codes == ["abcde-fghij", "klmno-pqrst"])
        #expect(codes.allSatisfy(RecoveryCodes.isWellFormed))
    }

    @Test("the default source does not repeat itself")
    func secureDefault() {
        #expect(NotificationEvent.newID() != NotificationEvent.newID())
        #expect(RandomSource.secure.bytes(16) != RandomSource.secure.bytes(16))
    }
}
