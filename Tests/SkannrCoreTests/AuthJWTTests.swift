// HS256 access tokens: round trip and every way a token must be refused (expired, not yet valid,
// unknown kid, tampered, alg none/HS512, another key, refresh token) plus key rotation.
import Foundation
import Testing
@testable import SkannrCore
import SkannrCrypto

@Suite("JWT access tokens")
struct AuthJWTTests {
    static let secretA = [UInt8](repeating: 0xA1, count: 32)
    static let secretB = [UInt8](repeating: 0xB2, count: 48)
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let signer: JWTSigner

    init() throws { signer = try Self.signer(["k1": Self.secretA], current: "k1") }

    /// A signer over the given keys, with the suite's issuer and audience unless told otherwise.
    static func signer(_ keys: [String: [UInt8]], current: String, issuer: String = "https://skannr.test",
                       audience: String = "skannr-api") throws -> JWTSigner {
        JWTSigner(keys: try JWTKeySet(keys: keys, currentKid: current), issuer: issuer, audience: audience)
    }

    func claims(iat: Int64? = nil, exp: Int64? = nil, typ: String = "access") -> AccessClaims {
        let t = Int64(now.timeIntervalSince1970)
        return AccessClaims(sub: 42, plan: "pro", iat: iat ?? t, exp: exp ?? t + 900, iss: "https://skannr.test",
                            aud: "skannr-api", typ: typ, jti: "j1")
    }

    /// A token with a hand-made header, signed with `key` over the given header and payload.
    func forge(header: String, payload: String, key: [UInt8]) -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(HMAC.sha256(key: key, message: Array(input.utf8)))
    }

    func payloadJSON(of token: String) throws -> String {
        let part = String(token.split(separator: ".")[1])
        return String(decoding: try #require(Base64URL.decode(part)), as: UTF8.self)
    }

    @Test("a signed token verifies and carries the account, plan and a 15-minute lifetime")
    func roundTrip() throws {
        let token = signer.sign(userID: 42, plan: "pro", now: now)
        let claims = try signer.verify(token, now: now)
        #expect(claims.sub == 42 && claims.plan == "pro" && claims.typ == "access")
        #expect(claims.exp - claims.iat == 900)
        #expect(claims.iss == "https://skannr.test" && claims.aud == "skannr-api")
        let header = String(decoding: try #require(Base64URL.decode(String(token.split(separator: ".")[0]))), as: UTF8.self)
        #expect(header == #"{"alg":"HS256","kid":"k1","typ":"JWT"}"#)
        #expect(signer.sign(userID: 42, plan: "pro", now: now) != token)   // fresh jti
    }

    @Test("an expired token is refused as expired, within the leeway it still passes")
    func expired() throws {
        let token = signer.sign(userID: 42, plan: "pro", now: now)
        #expect(throws: TokenError.expired) { try signer.verify(token, now: now.addingTimeInterval(900 + 31)) }
        #expect(TokenError.expired.apiCode == "token_expired")
        _ = try signer.verify(token, now: now.addingTimeInterval(900 + 29))
    }

    @Test("a token issued in the future beyond the leeway is not yet valid")
    func notYetValid() throws {
        let t = Int64(now.timeIntervalSince1970)
        let future = signer.sign(claims(iat: t + 120, exp: t + 1000), kid: "k1")
        #expect(throws: TokenError.invalid(.notYetValid)) { try signer.verify(future, now: now) }
        var nbfOnly = claims()
        nbfOnly.nbf = t + 300
        #expect(throws: TokenError.invalid(.notYetValid)) { try signer.verify(signer.sign(nbfOnly, kid: "k1"), now: now) }
        let skewed = signer.sign(claims(iat: t + 20, exp: t + 900), kid: "k1")
        _ = try signer.verify(skewed, now: now)
        #expect(TokenError.invalid(.notYetValid).apiCode == "unauthorized")
    }

    @Test("a kid missing from the key set is refused")
    func unknownKid() throws {
        let other = try Self.signer(["k9": Self.secretA], current: "k9")
        #expect(throws: TokenError.invalid(.unknownKey)) { try signer.verify(other.sign(userID: 1, plan: "free", now: now), now: now) }
    }

    @Test("a payload changed after signing is refused")
    func tampered() throws {
        let token = signer.sign(userID: 42, plan: "free", now: now)
        let parts = token.split(separator: ".").map(String.init)
        let payload = try payloadJSON(of: token).replacingOccurrences(of: "\"free\"", with: "\"business\"")
        let tampered = parts[0] + "." + Base64URL.encode(payload) + "." + parts[2]
        #expect(throws: TokenError.invalid(.signature)) { try signer.verify(tampered, now: now) }
        var sig = Array(parts[2].utf8)
        sig[0] = sig[0] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let badSignature = parts[0] + "." + parts[1] + "." + String(decoding: sig, as: UTF8.self)
        #expect(throws: TokenError.invalid(.signature)) { try signer.verify(badSignature, now: now) }
    }

    @Test("alg none is refused, with or without a signature")
    func algNone() throws {
        let payload = try payloadJSON(of: signer.sign(userID: 42, plan: "pro", now: now))
        let header = Base64URL.encode(#"{"alg":"none","kid":"k1","typ":"JWT"}"#)
        let unsigned = header + "." + Base64URL.encode(payload) + "."
        #expect(throws: TokenError.invalid(.malformed)) { try signer.verify(unsigned, now: now) }
        let withSig = forge(header: #"{"alg":"none","kid":"k1","typ":"JWT"}"#, payload: payload, key: Self.secretA)
        #expect(throws: TokenError.invalid(.algorithm)) { try signer.verify(withSig, now: now) }
        let lower = forge(header: #"{"alg":"hs256","kid":"k1","typ":"JWT"}"#, payload: payload, key: Self.secretA)
        #expect(throws: TokenError.invalid(.algorithm)) { try signer.verify(lower, now: now) }
    }

    @Test("alg HS512 is refused even when the MAC under the right key is valid")
    func algHS512() throws {
        let payload = try payloadJSON(of: signer.sign(userID: 42, plan: "pro", now: now))
        let token = forge(header: #"{"alg":"HS512","kid":"k1","typ":"JWT"}"#, payload: payload, key: Self.secretA)
        #expect(throws: TokenError.invalid(.algorithm)) { try signer.verify(token, now: now) }
        let crit = forge(header: #"{"alg":"HS256","crit":["exp"],"kid":"k1","typ":"JWT"}"#, payload: payload, key: Self.secretA)
        #expect(throws: TokenError.invalid(.algorithm)) { try signer.verify(crit, now: now) }
    }

    @Test("a token signed with another key under the same kid is refused")
    func anotherKey() throws {
        let impostor = try Self.signer(["k1": Self.secretB], current: "k1")
        #expect(throws: TokenError.invalid(.signature)) { try signer.verify(impostor.sign(userID: 42, plan: "pro", now: now), now: now) }
    }

    @Test("a refresh token or junk presented as an access token is refused")
    func refreshTokenAsAccess() {
        #expect(throws: TokenError.invalid(.malformed)) { try signer.verify(RefreshToken.generate().token, now: now) }
        for junk in ["", "a.b", "a.b.c.d", "...", "eyJ.eyJ.", String(repeating: "a", count: 5000)] {
            #expect(throws: TokenError.self) { try signer.verify(junk, now: now) }
        }
    }

    @Test("wrong token type, issuer or audience is refused")
    func claimChecks() throws {
        #expect(throws: TokenError.invalid(.type)) { try signer.verify(signer.sign(claims(typ: "refresh"), kid: "k1"), now: now) }
        let otherIssuer = try Self.signer(["k1": Self.secretA], current: "k1", issuer: "https://evil.test")
        #expect(throws: TokenError.invalid(.issuer)) { try signer.verify(otherIssuer.sign(userID: 1, plan: "pro", now: now), now: now) }
        let otherAudience = try Self.signer(["k1": Self.secretA], current: "k1", audience: "admin")
        #expect(throws: TokenError.invalid(.audience)) { try signer.verify(otherAudience.sign(userID: 1, plan: "pro", now: now), now: now) }
    }

    @Test("a correctly signed token whose claims are missing, not JSON or end before they start is refused")
    func badClaims() throws {
        let header = #"{"alg":"HS256","kid":"k1","typ":"JWT"}"#
        for payload in [#"{"sub":42}"#, "not json", #"{"sub":"42","plan":"pro","iat":1,"exp":2,"iss":"https://skannr.test","aud":"skannr-api","typ":"access","jti":"j"}"#] {
            #expect(throws: TokenError.invalid(.claims)) { try signer.verify(forge(header: header, payload: payload, key: Self.secretA), now: now) }
        }
        let t = Int64(now.timeIntervalSince1970)
        #expect(throws: TokenError.invalid(.claims)) { try signer.verify(signer.sign(claims(iat: t, exp: t), kid: "k1"), now: now) }
    }

    @Test("after rotation, tokens of the old kid verify while it stays in the set, and not after")
    func rotation() throws {
        let a = Base64URL.encode(Self.secretA), b = Base64URL.encode(Self.secretB)
        let before = JWTSigner(keys: try JWTKeySet.parse("k1:\(a)"), issuer: "i", audience: "a")
        let during = JWTSigner(keys: try JWTKeySet.parse("k2:\(b), k1:\(a)"), issuer: "i", audience: "a")
        let after = JWTSigner(keys: try JWTKeySet.parse("k2:\(b)"), issuer: "i", audience: "a")
        let old = before.sign(userID: 7, plan: "free", now: now)
        #expect(try during.verify(old, now: now).sub == 7)
        #expect(during.keys.currentKid == "k2")
        let new = during.sign(userID: 7, plan: "free", now: now)
        #expect(try after.verify(new, now: now).sub == 7)
        #expect(throws: TokenError.invalid(.unknownKey)) { try after.verify(old, now: now) }
    }

    @Test("key set configuration refuses short secrets, duplicates, bad base64 and emptiness")
    func keySetParsing() throws {
        let standard = Data(Self.secretB).base64EncodedString()
        #expect(try JWTKeySet.parse("main:\(standard)").keys["main"] == Self.secretB)
        #expect(throws: JWTKeySet.ConfigError.self) { try JWTKeySet.parse("k1:" + Base64URL.encode([UInt8](repeating: 1, count: 31))) }
        #expect(throws: JWTKeySet.ConfigError.self) { try JWTKeySet.parse("k1:\(standard),k1:\(standard)") }
        #expect(throws: JWTKeySet.ConfigError.self) { try JWTKeySet.parse("k1:not base64!") }
        #expect(throws: JWTKeySet.ConfigError.self) { try JWTKeySet.parse("") }
        #expect(throws: JWTKeySet.ConfigError.self) { try JWTKeySet.parse("nokey") }
        #expect(throws: JWTKeySet.ConfigError.self) { try JWTKeySet.parse("k\"1:\(standard)") }
        #expect(!String(describing: try JWTKeySet.parse("main:\(standard)")).contains(standard))
    }
}
