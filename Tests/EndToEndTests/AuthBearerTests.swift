// Bearer tokens through nginx: every forged, expired or misplaced token is a 401 (expired ->
// token_expired, the rest unauthorized), and refresh tokens and access tokens never stand in
// for each other.
import Foundation
import SkannrCore
import SkannrCrypto
import Testing
import TestSupport

@Suite("Auth bearer tokens through nginx", .needsStack)
struct AuthBearerTests {
    static func claims(_ sub: Int64, iat: Int64, exp: Int64) -> AccessClaims {
        AccessClaims(sub: sub, plan: "free", iat: iat, nbf: iat, exp: exp, iss: "skannr", aud: "skannr-api", jti: "t1")
    }

    static func forge(header: String, payload: [UInt8], key: [UInt8], sha512: Bool = false) -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(HMAC.sha256(key: key, message: Array(input.utf8)))
    }

    static func status(_ token: String) throws -> APIResponse { try APIClient(token: token).get("/auth/me") }

    @Test("a valid access token reaches /auth/me")
    func valid() throws {
        let (_, registered) = try AuthE2E.register("bearer-ok")
        let id = try #require(AuthE2E.userID(registered))
        let token = try AuthE2E.stackSigner().sign(userID: id, plan: "free", now: Date())
        #expect(try Self.status(token).status == 200)
    }

    @Test("forged and misplaced tokens are all 401")
    func refused() throws {
        let (_, registered) = try AuthE2E.register("bearer")
        let id = try #require(AuthE2E.userID(registered))
        let signer = try AuthE2E.stackSigner()
        let key = try #require(signer.keys.keys[signer.keys.currentKid])
        let now = Int64(Date().timeIntervalSince1970)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let goodPayload = Array(try encoder.encode(Self.claims(id, iat: now, exp: now + 900)))
        let kid = signer.keys.currentKid

        let expired = signer.sign(Self.claims(id, iat: now - 2000, exp: now - 1000), kid: kid)
        let expiredReply = try Self.status(expired)
        #expect(expiredReply.status == 401)
        #expect(expiredReply.code == "token_expired")

        let valid = signer.sign(userID: id, plan: "free", now: Date())
        let parts = valid.split(separator: ".").map(String.init)
        let otherPayload = Array(try encoder.encode(Self.claims(id + 1, iat: now, exp: now + 900)))
        let otherKeys = try JWTKeySet.parse("\(kid):" + Data(SecureRandom.bytes(32)).base64EncodedString())
        let cases: [(String, String)] = [
            ("not yet valid", signer.sign(Self.claims(id, iat: now + 1000, exp: now + 1900), kid: kid)),
            ("unknown kid", Self.forge(header: #"{"alg":"HS256","kid":"nope","typ":"JWT"}"#, payload: goodPayload, key: key)),
            ("tampered payload", parts[0] + "." + Base64URL.encode(otherPayload) + "." + parts[2]),
            ("alg none", Base64URL.encode(#"{"alg":"none","kid":"\#(kid)","typ":"JWT"}"#) + "." + Base64URL.encode(goodPayload) + "."),
            ("alg none signed", Self.forge(header: #"{"alg":"none","kid":"\#(kid)","typ":"JWT"}"#, payload: goodPayload, key: key)),
            ("alg HS512", Self.forge(header: #"{"alg":"HS512","kid":"\#(kid)","typ":"JWT"}"#, payload: goodPayload, key: key)),
            ("another key", JWTSigner(keys: otherKeys, issuer: "skannr", audience: "skannr-api").sign(userID: id, plan: "free", now: Date())),
            ("refresh token", try #require(AuthE2E.refreshToken(registered))),
            ("garbage", "abc.def.ghi"),
        ]
        for (name, token) in cases {
            let reply = try Self.status(token)
            #expect(reply.status == 401, "\(name): \(reply)")
            #expect(reply.code == "unauthorized", "\(name)")
            #expect(reply.header("x-ratelimit-limit") != nil, "\(name): 401s carry the rate-limit headers")
        }
    }

    @Test("no bearer token is 401 unauthorized")
    func missing() throws {
        let reply = try APIClient().get("/auth/me")
        #expect(reply.status == 401)
        #expect(reply.code == "unauthorized")
    }

    @Test("an access token is refused as a refresh token")
    func accessAsRefresh() throws {
        let (_, registered) = try AuthE2E.register("swap")
        let reply = try APIClient().post("/auth/token/refresh", ["refresh_token": try #require(AuthE2E.accessToken(registered))])
        #expect(reply.status == 401)
        #expect(reply.code == "unauthorized")
    }
}
