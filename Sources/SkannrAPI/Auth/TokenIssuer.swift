// Issues what a successful register, login or refresh returns: an access JWT (15 minutes, the
// plan in its claims) and an opaque refresh token whose SHA-256 alone is stored.
import Foundation
import MariaDB
import SkannrCore
import SkannrCrypto
import SkannrStore

enum TokenIssuer {
    /// A new login: a new refresh-token family.
    static func startSession(for user: UserRecord, connection: Connection, configuration: APIConfiguration, now: Date) throws -> TokenResponse {
        let refresh = RefreshToken.generate()
        try RefreshTokenStore(connection: connection).issue(
            userID: user.id, familyID: SecureRandom.bytes(16), tokenHash: refresh.hash, now: now,
            expiresAt: now.addingTimeInterval(Double(configuration.auth.refreshTokenTTL)))
        return response(for: user, refreshToken: refresh.token, configuration: configuration, now: now)
    }

    static func response(for user: UserRecord, refreshToken: String, configuration: APIConfiguration, now: Date) -> TokenResponse {
        TokenResponse(user: UserJSON(user), accessToken: configuration.jwt.sign(userID: user.id, plan: user.plan, now: now),
                      refreshToken: refreshToken, expiresIn: configuration.jwt.ttl)
    }
}
