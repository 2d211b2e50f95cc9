// The HS256 signing keys, by key id, read from configuration ("kid1:base64secret,kid2:base64secret").
// The first listed key signs; all listed keys verify, so a rotation adds a new key first and drops
// the old one after the access-token lifetime. Secrets are at least 32 bytes; never logged.
import SkannrCrypto
import Foundation

public struct JWTKeySet: Sendable, CustomStringConvertible {
    public static let minimumSecretLength = 32

    public let keys: [String: [UInt8]]
    public let currentKid: String

    public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(keys: [String: [UInt8]], currentKid: String) throws(ConfigError) {
        guard keys[currentKid] != nil else { throw ConfigError(message: "current key id '\(currentKid)' is not in the key set") }
        for (kid, secret) in keys {
            guard Self.isValidKid(kid) else { throw ConfigError(message: "invalid key id '\(kid)'") }
            guard secret.count >= Self.minimumSecretLength else {
                throw ConfigError(message: "key '\(kid)' is shorter than \(Self.minimumSecretLength) bytes")
            }
        }
        self.keys = keys
        self.currentKid = currentKid
    }

    /// Parses "kid1:base64secret,kid2:base64secret" (standard or url-safe base64); the first kid signs.
    public static func parse(_ config: String) throws(ConfigError) -> JWTKeySet {
        var keys: [String: [UInt8]] = [:]
        var first: String?
        for entry in config.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
            let pair = trimmed.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { throw ConfigError(message: "expected kid:base64secret") }
            let kid = String(pair[0])
            guard keys[kid] == nil else { throw ConfigError(message: "duplicate key id '\(kid)'") }
            guard let secret = decodeBase64(String(pair[1])) else {
                throw ConfigError(message: "key '\(kid)' is not valid base64")
            }
            keys[kid] = secret
            if first == nil { first = kid }
        }
        guard let first else { throw ConfigError(message: "no signing keys configured") }
        return try JWTKeySet(keys: keys, currentKid: first)
    }

    public var description: String { "JWTKeySet(current: \(currentKid), kids: \(keys.keys.sorted()))" }

    static func isValidKid(_ kid: String) -> Bool {
        !kid.isEmpty && kid.utf8.count <= 64 && kid.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95
        }
    }

    private static func decodeBase64(_ text: String) -> [UInt8]? {
        if let data = Data(base64Encoded: text) { return Array(data) }
        let unpadded = text.hasSuffix("=") ? String(text.prefix { $0 != "=" }) : text
        return Base64URL.decode(unpadded)
    }
}
