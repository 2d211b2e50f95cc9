// AES-256-GCM boxes: round trip, fresh nonces, and refusal of anything tampered with.
import Testing
@testable import SkannrCrypto

@Suite("SecretBox")
struct SecretBoxTests {
    let box: SecretBox

    init() throws { box = try SecretBox(key: SecureRandom.bytes(32)) }

    @Test("a sealed box opens to the plaintext, including an empty one")
    func roundTrip() throws {
        let secret = Array("JBSWY3DPEHPK3PXP totp seed".utf8)
        let sealed = box.seal(secret)
        #expect(sealed.count == 12 + secret.count + 16)
        #expect(try box.open(sealed) == secret)
        #expect(try box.open(box.seal([])) == [])
    }

    @Test("boxes sealed by another AES-256-GCM implementation open (Python cryptography's AESGCM)")
    func knownAnswer() throws {
        let fixed = try SecretBox(key: Array(0...31))
        let box = try #require(Hex.decode("6465666768696a6b6c6d6e6f02598d3120da12ce7b2a0fa3e93532ad85e0c8e14c6e14f0d9f9be4f4190f4f3"))
        #expect(try fixed.open(box, associatedData: Array("account:7".utf8)) == Array("JBSWY3DPEHPK3PXP".utf8))
        #expect(throws: CryptoError.self) { try fixed.open(box) }
        let empty = try #require(Hex.decode("6465666768696a6b6c6d6e6f609bd50f6ad76df665f048ba8c5fd706"))
        #expect(try fixed.open(empty) == [])
    }

    @Test("sealing the same plaintext twice gives different boxes")
    func freshNonce() {
        #expect(box.seal([1, 2, 3]) != box.seal([1, 2, 3]))
    }

    @Test("flipping any byte of the box makes open fail")
    func tamper() {
        let sealed = box.seal(Array("secret".utf8))
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CryptoError.self) { try box.open(tampered) }
        }
        #expect(throws: CryptoError.self) { try box.open(Array(sealed.dropLast())) }
        #expect(throws: CryptoError.self) { try box.open([1, 2, 3]) }
    }

    @Test("another key or other associated data cannot open the box")
    func wrongKeyOrAssociatedData() throws {
        let sealed = box.seal([9, 9, 9], associatedData: Array("account:1".utf8))
        #expect(try box.open(sealed, associatedData: Array("account:1".utf8)) == [9, 9, 9])
        #expect(throws: CryptoError.self) { try box.open(sealed, associatedData: Array("account:2".utf8)) }
        let other = try SecretBox(key: SecureRandom.bytes(32))
        #expect(throws: CryptoError.self) { try other.open(sealed, associatedData: Array("account:1".utf8)) }
    }

    @Test("a key that is not 32 bytes is refused")
    func keySize() {
        #expect(throws: CryptoError(.invalidKey, "SecretBox needs a 32-byte key, got 16 bytes")) {
            try SecretBox(key: [UInt8](repeating: 1, count: 16))
        }
    }
}

@Suite("ConstantTime and SecureRandom")
struct ConstantTimeTests {
    @Test("equal buffers compare equal; different contents or lengths do not")
    func equals() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(ConstantTime.equals([], []))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
    }

    @Test("random bytes have the asked length and do not repeat")
    func random() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
    }
}
