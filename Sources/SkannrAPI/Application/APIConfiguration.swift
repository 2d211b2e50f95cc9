// Every setting of the API, read once from `Settings` and validated. The README's configuration
// reference lists them with their defaults; keep the two in step.

import Foundation
import MariaDB
import SkannrCore

public struct APIConfiguration: Sendable {
    public var database: MariaDBConfig
    /// Loopback and private targets are allowed (development and tests only).
    public var allowPrivateTargets: Bool
    /// Requests per minute per client IP for unauthenticated calls.
    public var anonymousRequestsPerMinute: Int
    public var maxBodyBytes: Int
    /// Access-token signing: `SKANNR_JWT_KEYS` = `kid:base64secret,...` (first is current).
    public var jwt: JWTSigner
    /// Plan limits (the contract's table, each overridable, see PlanCatalog).
    public var plans: PlanCatalog
    /// Passwords, MFA key, refresh-token lifetime, login throttling (AuthSettings).
    public var auth: AuthSettings
    public var settings: Settings

    public init(settings: Settings) throws {
        self.settings = settings
        database = MariaDBConfig(
            host: settings.string("SKANNR_DB_HOST", default: "localhost"),
            port: UInt32(try settings.int("SKANNR_DB_PORT", default: 3306)),
            unixSocket: settings.optional("SKANNR_DB_SOCKET"),
            user: settings.string("SKANNR_DB_USER", default: "skannr"),
            password: settings.string("SKANNR_DB_PASSWORD", default: ""),
            database: settings.string("SKANNR_DB_NAME", default: "skannr"),
            connectTimeoutSeconds: UInt32(try settings.int("SKANNR_DB_CONNECT_TIMEOUT", default: 2)),
            readTimeoutSeconds: UInt32(try settings.int("SKANNR_DB_READ_TIMEOUT", default: 10)),
            writeTimeoutSeconds: UInt32(try settings.int("SKANNR_DB_WRITE_TIMEOUT", default: 10))
        )
        allowPrivateTargets = try settings.bool("SKANNR_ALLOW_PRIVATE_TARGETS", default: false)
        anonymousRequestsPerMinute = try settings.int("SKANNR_RATE_LIMIT_ANONYMOUS", default: 120)
        maxBodyBytes = 64 * 1024
        guard let keys = settings.optional("SKANNR_JWT_KEYS") else {
            throw SettingsError("SKANNR_JWT_KEYS (or SKANNR_JWT_KEYS_FILE) is required: kid:base64secret[,kid:secret...]")
        }
        jwt = JWTSigner(
            keys: try JWTKeySet.parse(keys),
            issuer: settings.string("SKANNR_JWT_ISSUER", default: "skannr"),
            audience: settings.string("SKANNR_JWT_AUDIENCE", default: "skannr-api")
        )
        plans = try PlanSettings.catalog(from: settings)
        auth = try AuthSettings(settings: settings)
    }
}
