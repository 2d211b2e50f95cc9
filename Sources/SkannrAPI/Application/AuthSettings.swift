// Settings of accounts and login: Argon2id cost, the MFA secret key, login throttling. Read once
// with the rest of APIConfiguration. SKANNR_MFA_KEY is required to serve (Wiring checks), but
// optional here so in-process tests that never touch MFA need not invent one.
import SkannrSettings
import Foundation
import SkannrCrypto

public struct AuthSettings: Sendable {
    /// Argon2id: SKANNR_ARGON2_MEMORY_KIB (19456), SKANNR_ARGON2_ITERATIONS (2), SKANNR_ARGON2_PARALLELISM (1).
    public var passwordHasher: PasswordHasher
    /// AES-256-GCM key sealing TOTP secrets: SKANNR_MFA_KEY = base64 of 32 bytes (or SKANNR_MFA_KEY_FILE).
    public var mfaBox: SecretBox?
    /// Refresh-token lifetime in seconds (SKANNR_REFRESH_TOKEN_TTL_SECONDS, 7 days).
    public var refreshTokenTTL: Int
    /// Absolute lifetime of a login session: refreshing never takes it past this (ASVS V3.3).
    public var sessionLifetime: Int
    public var throttle: LoginThrottlePolicy
    /// HMAC-SHA256 key that API keys are stored under: SKANNR_API_KEY_SECRET (base64 of 32+ bytes, or
    /// _FILE), else derived from SKANNR_MFA_KEY; nil = API keys answer 503. Changing it voids every key.
    public var apiKeyHashKey: [UInt8]?
    /// Keys one account may hold (SKANNR_API_KEYS_MAX_PER_ACCOUNT, contract: 20).
    public var maxAPIKeysPerAccount: Int

    public init(settings: Settings) throws {
        let memory = try settings.int("SKANNR_ARGON2_MEMORY_KIB", default: 19456, in: 8...1_048_576)
        let iterations = try settings.int("SKANNR_ARGON2_ITERATIONS", default: 2, in: 1...64)
        let parallelism = try settings.int("SKANNR_ARGON2_PARALLELISM", default: 1, in: 1...64)
        passwordHasher = PasswordHasher(memoryKiB: UInt32(memory), iterations: UInt32(iterations), parallelism: UInt32(parallelism))
        if let text = try settings.secret("SKANNR_MFA_KEY") {
            guard let key = Data(base64Encoded: text), key.count == SecretBox.keySize, let box = try? SecretBox(key: Array(key)) else {
                throw SettingsError(key: "SKANNR_MFA_KEY", "must be the base64 of exactly 32 random bytes")
            }
            mfaBox = box
            apiKeyHashKey = HMAC.sha256(key: Array(key), message: Array("skannr api-key hash v1".utf8))
        }
        if let text = try settings.secret("SKANNR_API_KEY_SECRET") {
            guard let key = Data(base64Encoded: text), key.count >= 32 else {
                throw SettingsError(key: "SKANNR_API_KEY_SECRET", "must be the base64 of at least 32 random bytes")
            }
            apiKeyHashKey = Array(key)
        }
        maxAPIKeysPerAccount = try settings.int("SKANNR_API_KEYS_MAX_PER_ACCOUNT", default: 20, min: 1)
        refreshTokenTTL = try settings.int("SKANNR_REFRESH_TOKEN_TTL_SECONDS", default: 7 * 24 * 3600, min: 60)
        sessionLifetime = try settings.int("SKANNR_SESSION_MAX_SECONDS", default: 30 * 24 * 3600, min: 60)
        throttle = try LoginThrottlePolicy(settings: settings)
    }
}
