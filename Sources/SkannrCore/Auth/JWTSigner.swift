// HS256 access tokens. The algorithm is pinned: a header must say exactly alg "HS256" and typ "JWT",
// name a kid in the key set, and carry no "crit"; the signature is checked (constant time) before
// any claim is read; then typ "access", iss, aud, and iat/nbf/exp with a small leeway.
import Foundation
import SkannrCrypto

public struct JWTSigner: Sendable {
    public let keys: JWTKeySet
    public let issuer: String
    public let audience: String
    public let ttl: Int64
    public let leeway: Int64
    static let maxTokenLength = 4096

    /// Where token ids (`jti`) come from.
    public let random: RandomSource

    public init(keys: JWTKeySet, issuer: String, audience: String, ttl: Int64 = 900, leeway: Int64 = 30, random: RandomSource = .secure) {
        self.random = random
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl
        self.leeway = leeway
    }

    public func sign(userID: Int64, plan: String, now: Date, sessionID: String? = nil) -> String {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(sub: userID, plan: plan, iat: issuedAt, nbf: issuedAt, exp: issuedAt + ttl,
                                  iss: issuer, aud: audience, jti: Base64URL.encode(random.bytes(16)), sid: sessionID)
        return sign(claims, kid: keys.currentKid)
    }

    /// Signs arbitrary claims with a given key id (tests, and tools that mint tokens).
    public func sign(_ claims: AccessClaims, kid: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        guard let payload = try? encoder.encode(claims), let key = keys.keys[kid] else {
            preconditionFailure("unknown kid or unencodable claims")
        }
        let header = #"{"alg":"HS256","kid":"\#(kid)","typ":"JWT"}"#
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(Array(payload))
        let signature = HMAC.sha256(key: key, message: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    public func verify(_ token: String, now: Date) throws(TokenError) -> AccessClaims {
        guard token.utf8.count <= Self.maxTokenLength else { throw .invalid(.malformed) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts.contains(where: \.isEmpty),
              let headerBytes = Base64URL.decode(parts[0]),
              let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
              let signature = Base64URL.decode(parts[2]) else { throw .invalid(.malformed) }
        guard header["alg"] as? String == "HS256", header["typ"] as? String == "JWT", header["crit"] == nil else {
            throw .invalid(.algorithm)
        }
        guard let kid = header["kid"] as? String, let key = keys.keys[kid] else { throw .invalid(.unknownKey) }
        let expected = HMAC.sha256(key: key, message: Array("\(parts[0]).\(parts[1])".utf8))
        guard ConstantTime.equals(expected, signature) else { throw .invalid(.signature) }

        guard let payload = Base64URL.decode(parts[1]),
              let claims = try? JSONDecoder().decode(AccessClaims.self, from: Data(payload)) else {
            throw .invalid(.claims)
        }
        guard claims.typ == "access" else { throw .invalid(.type) }
        guard claims.iss == issuer else { throw .invalid(.issuer) }
        guard claims.aud == audience else { throw .invalid(.audience) }
        let time = Int64(now.timeIntervalSince1970.rounded(.down))
        guard claims.iat <= time + leeway, (claims.nbf ?? claims.iat) <= time + leeway else {
            throw .invalid(.notYetValid)
        }
        guard claims.exp > claims.iat else { throw .invalid(.claims) }
        guard time < claims.exp + leeway else { throw .expired }
        return claims
    }
}
