// API keys (`sk_live_` + 64 hex digits = 256 random bits): making one, hashing one (HMAC-SHA256 under
// the server's key-hash secret: a fast keyed hash is right for random keys, a stolen table without
// the secret is useless), and the caller behind a presented key. Every request with a key reads its
// row (no cache), so a deleted key stops working on every responder at once. What a key may not do
// (credentials, MFA, API keys, billing) is RouteTable's `.signIn`, checked by the application before the handler.
import Foundation
import SkannrCrypto
import SkannrStore

enum APIKeys {
    static let scheme = "sk_live_"
    static let prefixLength = 16
    static let nameLengths = 1...100

    /// A new key and what is stored of it.
    static func generate(hashKey: [UInt8]) -> (key: String, prefix: String, hash: [UInt8]) {
        let key = scheme + Hex.encode(SecureRandom.bytes(32))
        return (key, String(key.prefix(prefixLength)), hash(key, hashKey: hashKey))
    }

    static func hash(_ key: String, hashKey: [UInt8]) -> [UInt8] {
        HMAC.sha256(key: hashKey, message: Array(key.utf8))
    }

    static func looksLikeKey(_ token: String) -> Bool { token.hasPrefix(scheme) }

    /// The caller behind `key`: 401 for a malformed, unknown (revoked) or expired key; 503 when the
    /// server has no key-hash secret.
    static func principal(forKey key: String, services: Services, now: Date) throws(APIError) -> Principal {
        guard let hashKey = services.configuration.auth.apiKeyHashKey else {
            throw APIError(.unavailable, "API keys are not configured on this server")
        }
        let hex = key.utf8.dropFirst(scheme.utf8.count)
        guard hex.count == 64, hex.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { throw invalid }
        let presented = hash(key, hashKey: hashKey)
        let store = try services.stores().apiKeys
        let owner: APIKeyOwner?
        do { owner = try store.owner(keyHash: presented) } catch { throw DatabaseErrorMapping.apiError(for: error) }
        guard let owner, ConstantTime.equals(owner.keyHash, presented) else { throw invalid }
        if let expiresAt = owner.expiresAt, expiresAt <= now {
            throw APIError(.unauthorized, "The API key has expired")
        }
        if owner.needsUseStamp(now: now) {   // a write at most once a minute per key, not per request
            do { try store.recordUse(keyID: owner.keyID, now: now) } catch { throw DatabaseErrorMapping.apiError(for: error) }
        }
        return Principal(accountID: owner.userID, plan: owner.plan, apiKeyID: owner.keyID)
    }

    static let invalid = APIError(.unauthorized, "Invalid API key")
}
