// Base32, base64url and hex against RFC 4648 §10 vectors, and their refusal of malformed input.
import Testing
@testable import SkannrCrypto

@Suite("Encodings")
struct EncodingTests {
    static let base32Vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"),
                                ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]

    @Test("base32 encodes the RFC 4648 vectors without padding", arguments: base32Vectors)
    func base32Encode(plain: String, encoded: String) {
        #expect(Base32.encode(Array(plain.utf8)) == encoded)
        #expect(Base32.decode(encoded) == Array(plain.utf8))
    }

    @Test("base32 with padding matches RFC 4648 and decodes back, in either case")
    func base32Padding() {
        #expect(Base32.encode(Array("f".utf8), padding: true) == "MY======")
        #expect(Base32.encode(Array("foobar".utf8), padding: true) == "MZXW6YTBOI======")
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
    }

    @Test("base32 rejects characters outside the alphabet and impossible lengths")
    func base32Rejects() {
        #expect(Base32.decode("MZXW1") == nil)
        #expect(Base32.decode("MZ XW") == nil)
        #expect(Base32.decode("M") == nil)
        #expect(Base32.decode("MZX") == nil)
    }

    @Test("base64url encodes the RFC 4648 vectors without padding", arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func base64url(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test("base64url uses - and _ and rejects + / = and bad lengths")
    func base64urlAlphabet() {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("Zg==") == nil)
        #expect(Base64URL.decode("Zm9vY") == nil)
        #expect(Base64URL.decode("Zm 9v") == nil)
    }

    @Test("hex round-trips and rejects odd lengths and non-hex digits")
    func hex() {
        #expect(Hex.encode([0x00, 0x7f, 0xff]) == "007fff")
        #expect(Hex.decode("007FfF") == [0x00, 0x7f, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
