// Opaque refresh tokens: "rt_" + base64url of 32 random bytes (256 bits). Only the SHA-256 of the
// whole string is stored; the "rt_" prefix and the lack of dots keep it from ever parsing as a JWT.
import SkannrCrypto

public enum RefreshToken {
    public static let prefix = "rt_"

    public static func generate(random: RandomSource = .secure) -> (token: String, hash: [UInt8]) {
        let token = prefix + Base64URL.encode(random.bytes(32))
        return (token, hash(token))
    }

    public static func hash(_ token: String) -> [UInt8] { Digest.sha256(Array(token.utf8)) }

    /// Cheap shape check before any database lookup: prefix plus 43 base64url characters.
    public static func isWellFormed(_ token: String) -> Bool {
        guard token.hasPrefix(prefix) else { return false }
        let body = String(token.dropFirst(prefix.count))
        return body.utf8.count == 43 && Base64URL.decode(body)?.count == 32
    }
}
