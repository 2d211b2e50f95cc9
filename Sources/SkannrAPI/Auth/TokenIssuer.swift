// Issues what a successful register, login or refresh returns: an access JWT (15 minutes, the
// plan and the login session's id in its claims) and an opaque refresh token whose SHA-256 alone
// is stored. The session id (the refresh-token family, hex) lets "revoke every other session"
// spare the caller's own.
import Foundation
import SkannrCore
import SkannrCrypto
import SkannrStore

enum TokenIssuer {
    /// A new login: a new refresh-token family.
    static func startSession(for user: UserRecord, stores: Stores, configuration: APIConfiguration, now: Date) throws -> TokenResponse {
        let refresh = RefreshToken.generate()
        let familyID = SecureRandom.bytes(16)
        try stores.refreshTokens.issue(
            userID: user.id, familyID: familyID, tokenHash: refresh.hash, now: now,
            expiresAt: now.addingTimeInterval(Double(min(configuration.auth.refreshTokenTTL, configuration.auth.sessionLifetime))))
        return response(for: user, refreshToken: refresh.token, sessionID: familyID, configuration: configuration, now: now)
    }

    static func response(for user: UserRecord, refreshToken: String, sessionID: [UInt8]?, configuration: APIConfiguration, now: Date) -> TokenResponse {
        TokenResponse(user: UserJSON(user),
                      accessToken: configuration.jwt.sign(userID: user.id, plan: user.plan, now: now, sessionID: sessionID.map(Hex.encode)),
                      refreshToken: refreshToken, expiresIn: configuration.jwt.ttl)
    }

    /// The caller's own session (refresh-token family) from its access token, when it names one.
    static func sessionFamily(_ context: AuthenticatedContext) -> [UInt8]? {
        context.principal.sessionID.flatMap(Hex.decode)
    }
}
