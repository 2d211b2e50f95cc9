// /auth: register, login, token refresh, logout, me; MFA in AuthController+MFA, the login's
// second factor in AuthController+Login. Unknown emails and wrong passwords answer alike
// (same status, body and hash work); refresh tokens are opaque "rt_..." strings, so a JWT is
// refused here before any lookup, and the bearer check refuses refresh tokens (not a JWT).
import Foundation
import SkannrCore
import SkannrStore
import HTTPMessage

enum AuthController {
    static func registerAccount(_ context: RequestContext) throws -> APIResponse {
        var body = try context.body()
        let name = body.requiredString("name").map(Credentials.normalizeName)
        let email = body.requiredString("email").map(Credentials.normalizeEmail)
        let password = body.requiredString("password")
        if let name, let problem = Credentials.nameProblem(name) { body.fail("name", problem) }
        if let email, let problem = Credentials.emailProblem(email) { body.fail("email", problem) }
        if let password, let problem = Credentials.passwordProblem(password) { body.fail("password", problem) }
        try body.finish()
        guard let name, let email, let password else { throw APIError(.badRequest, "name, email and password are required") }

        let configuration = context.services.configuration
        let passwordHash = try configuration.auth.passwordHasher.hash(password)
        let stores = try context.services.stores()
        let user = try AccountUseCases.register(name: name, email: email, passwordHash: passwordHash, clientAddress: context.request.clientAddress,
                                                policy: configuration.auth.throttle, stores: stores, now: context.now)
        return try .json(201, TokenIssuer.startSession(for: user, stores: stores, configuration: configuration, now: context.now))
    }

    static func refresh(_ context: RequestContext) throws -> APIResponse {
        var body = try context.body()
        let token = body.requiredString("refresh_token")
        try body.finish()
        guard let token, RefreshToken.isWellFormed(token) else { throw invalidRefreshToken }
        let configuration = context.services.configuration
        let stores = try context.services.stores()
        let next = RefreshToken.generate()
        let store = stores.refreshTokens
        if UInt32.random(in: 0..<1000) == 0 { _ = try? store.purgeExpired(before: context.now.addingTimeInterval(-86400)) }
        let outcome = try store.rotate(
            oldHash: RefreshToken.hash(token), newHash: next.hash, now: context.now,
            expiresAt: context.now.addingTimeInterval(Double(configuration.auth.refreshTokenTTL)),
            sessionLifetime: Double(configuration.auth.sessionLifetime))
        switch outcome {
        case .rotated(let userID):
            guard let user = try stores.users.find(id: userID) else { throw invalidRefreshToken }
            let family = try store.familyID(tokenHash: next.hash)
            return try .json(200, TokenIssuer.response(for: user, refreshToken: next.token, sessionID: family,
                                                       configuration: configuration, now: context.now))
        case .reused(let userID):
            context.services.logger.warning("refresh token reused; its family is revoked", metadata: [
                "request_id": "\(context.request.requestID)", "account_id": "\(userID)",
            ])
            throw invalidRefreshToken
        case .invalid:
            throw invalidRefreshToken
        }
    }

    static let invalidRefreshToken = APIError(.unauthorized, "The refresh token is invalid, expired or revoked")

    /// 204 whether or not the token was this account's live token: nothing is revealed.
    static func logout(_ context: AuthenticatedContext) throws -> APIResponse {
        var body = try context.body()
        let token = body.requiredString("refresh_token")
        try body.finish()
        if let token, RefreshToken.isWellFormed(token) {
            try context.services.stores().refreshTokens
                .revokeFamily(userID: context.accountID, tokenHash: RefreshToken.hash(token), now: context.now)
        }
        return .noContent()
    }

    /// Logs out everywhere: every refresh token of the account, this session's included, is revoked
    /// (access tokens already issued still run out within their 15 minutes).
    static func logoutAll(_ context: AuthenticatedContext) throws -> APIResponse {
        try context.services.stores().refreshTokens.revokeAll(userID: context.accountID, now: context.now)
        return .noContent()
    }

    /// POST /auth/password {current_password, new_password}: the current password is checked under
    /// the login throttle; the new one is stored and every other session is revoked.
    static func changePassword(_ context: AuthenticatedContext) throws -> APIResponse {
        var body = try context.body()
        let current = body.requiredString("current_password")
        let fresh = body.requiredString("new_password")
        if let fresh, let problem = Credentials.passwordProblem(fresh) { body.fail("new_password", problem) }
        try body.finish()
        guard let current, let fresh else { throw APIError(.badRequest, "current_password and new_password are required") }
        let user = try currentUser(context)
        let stores = try context.services.stores()
        try verifyPasswordThrottled(current, user: user, context: context, stores: stores)
        let hash = try context.services.configuration.auth.passwordHasher.hash(fresh)
        try AccountUseCases.changePassword(userID: user.id, passwordHash: hash, keepingSession: TokenIssuer.sessionFamily(context),
                                           stores: stores, now: context.now)
        return .noContent()
    }

    /// Checks `password` for a signed-in account under the login throttle (reserved before the hash,
    /// like a login); 403 when wrong, 429 while locked.
    static func verifyPasswordThrottled(_ password: String, user: UserRecord, context: AuthenticatedContext, stores: Stores) throws {
        let throttle = LoginThrottle(stores: stores, policy: context.services.configuration.auth.throttle,
                                     email: user.email, clientAddress: context.request.clientAddress)
        let known = try throttle.isKnownAddress(for: user)
        try throttle.reserve(now: context.now, knownAddress: known)
        guard context.services.configuration.auth.passwordHasher.verify(password, phc: user.passwordHash) else {
            throw APIError(.forbidden, "The password is incorrect")
        }
        try throttle.release(knownAddress: known)
    }

    static func me(_ context: AuthenticatedContext) throws -> APIResponse {
        try .json(200, UserJSON(try currentUser(context)))
    }

    /// The account behind the access token; 401 when it no longer exists.
    static func currentUser(_ context: AuthenticatedContext) throws -> UserRecord {
        guard let user = try context.services.stores().users.find(id: context.accountID) else {
            throw APIError(.unauthorized, "The account of this token no longer exists")
        }
        return user
    }
}
