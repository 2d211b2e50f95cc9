// Argon2id PHC strings: format, verification, rehash detection and the dummy hash.
import Testing
@testable import SkannrCrypto

@Suite("PasswordHasher")
struct PasswordHasherTests {
    let hasher = PasswordHasher()

    @Test("hashes are argon2id PHC strings with m=19456,t=2,p=1 and a 16-byte salt")
    func format() throws {
        let phc = try hasher.hash("correct horse battery staple")
        #expect(phc.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        let parts = phc.split(separator: "$")
        #expect(parts.count == 5)
        #expect(parts[3].count == 22)   // 16 bytes, unpadded base64
        #expect(parts[4].count == 43)   // 32 bytes
        #expect(try hasher.hash("correct horse battery staple") != phc)   // random salt
    }

    @Test("the right password verifies and a wrong one does not")
    func verify() throws {
        let phc = try hasher.hash("pässwörd-with-ünïcode")
        #expect(hasher.verify("pässwörd-with-ünïcode", phc: phc))
        #expect(!hasher.verify("pässwörd-with-ünïcodE", phc: phc))
        #expect(!hasher.verify("", phc: phc))
    }

    @Test("malformed, non-argon2id and absurdly expensive PHC strings never verify")
    func malformed() {
        #expect(!hasher.verify("x", phc: ""))
        #expect(!hasher.verify("x", phc: "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA"))
        #expect(!hasher.verify("x", phc: "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA"))
        #expect(!hasher.verify("x", phc: "$2b$12$abcdefghijklmnopqrstuu"))
    }

    @Test("the dummy hash has the real parameters and no password verifies against it")
    func dummy() {
        #expect(hasher.dummyHash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(!hasher.needsRehash(phc: hasher.dummyHash))
        #expect(!hasher.verify("anything", phc: hasher.dummyHash))
        #expect(!hasher.verify("", phc: hasher.dummyHash))
    }

    @Test("a hash made with other parameters needs a rehash")
    func rehash() throws {
        let cheap = PasswordHasher(memoryKiB: 64, iterations: 1, parallelism: 1)
        let phc = try cheap.hash("password1234")
        #expect(phc.hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
        #expect(cheap.verify("password1234", phc: phc))
        #expect(hasher.verify("password1234", phc: phc))   // old hashes still verify
        #expect(hasher.needsRehash(phc: phc))
        #expect(!cheap.needsRehash(phc: phc))
        #expect(hasher.needsRehash(phc: "garbage"))
    }
}
