// TokenAuthenticator with its cache of verified tokens: a cached token still expires, and a token
// that differs in any byte (tampered, other key) is verified in full and refused.
import FastCGI
import Foundation
import SkannrCore
import Testing
@testable import SkannrAPI

@Suite("Token authenticator")
struct TokenAuthenticatorTests {
    let signer: JWTSigner

    init() throws {
        signer = JWTSigner(keys: try JWTKeySet.parse("k1:" + Data(repeating: 7, count: 32).base64EncodedString()),
                           issuer: "skannr", audience: "skannr-api")
    }

    @Test("a token accepted once is accepted again from the cache with the same principal")
    func cachedAcceptance() throws {
        let authenticator = TokenAuthenticator(signer: signer)
        let now = Date()
        let token = signer.sign(userID: 42, plan: "pro", now: now)
        let first = try authenticator.principal(forAccessToken: token, now: now)
        let second = try authenticator.principal(forAccessToken: token, now: now.addingTimeInterval(60))
        #expect(first == Principal(accountID: 42, plan: "pro"))
        #expect(second == first)
    }

    @Test("a cached token is refused as expired once its lifetime and leeway have passed")
    func cachedTokenExpires() throws {
        let authenticator = TokenAuthenticator(signer: signer)
        let now = Date()
        let token = signer.sign(userID: 7, plan: "free", now: now)
        _ = try authenticator.principal(forAccessToken: token, now: now)
        let later = now.addingTimeInterval(Double(signer.ttl + signer.leeway + 1))
        let error = #expect(throws: APIError.self) { try authenticator.principal(forAccessToken: token, now: later) }
        #expect(error?.code == .tokenExpired)
    }

    @Test("a token that differs from a cached one by its signature is refused")
    func tamperedTokenRefused() throws {
        let authenticator = TokenAuthenticator(signer: signer)
        let now = Date()
        let token = signer.sign(userID: 9, plan: "business", now: now)
        _ = try authenticator.principal(forAccessToken: token, now: now)
        var bytes = Array(token.utf8)
        bytes[bytes.count - 2] = bytes[bytes.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let error = #expect(throws: APIError.self) {
            try authenticator.principal(forAccessToken: String(decoding: bytes, as: UTF8.self), now: now)
        }
        #expect(error?.code == .unauthorized)
    }

    @Test("the cache empties itself when full instead of growing")
    func cacheIsBounded() {
        let cache = VerifiedTokenCache(capacity: 3)
        let claims = AccessClaims(sub: 1, plan: "free", iat: 0, exp: 900, iss: "skannr", aud: "skannr-api", jti: "j")
        for index in 0..<7 { cache.remember("token-\(index)", claims) }
        #expect(cache.count <= 3)
        #expect(cache.claims(for: "token-6") == claims)
    }

    @Test("request durations are written with two decimals")
    func durationFormatting() {
        #expect(Application.milliseconds(0) == "0.00")
        #expect(Application.milliseconds(1_234_567) == "1.23")
        #expect(Application.milliseconds(10_050_000) == "10.05")
        #expect(Application.milliseconds(999_999) == "1.00")
    }
}

@Suite("Bearer token extraction")
struct BearerTokenTests {
    static func request(_ authorization: String?) -> APIRequest {
        APIRequest(method: "GET", path: "/api/v1/targets", headers: authorization.map { ["authorization": $0] } ?? [:])
    }

    @Test("the scheme is case-insensitive and the token is trimmed of spaces and tabs")
    func accepted() {
        #expect(Application.bearerToken(Self.request("Bearer abc.def.ghi")) == "abc.def.ghi")
        #expect(Application.bearerToken(Self.request("bEaReR  abc \t")) == "abc")
    }

    @Test("other schemes, a missing token and a missing header give no token")
    func refused() {
        #expect(Application.bearerToken(Self.request("Basic abc")) == nil)
        #expect(Application.bearerToken(Self.request("Bearer   ")) == nil)
        #expect(Application.bearerToken(Self.request("Bearerabc")) == nil)
        #expect(Application.bearerToken(Self.request(nil)) == nil)
    }
}
