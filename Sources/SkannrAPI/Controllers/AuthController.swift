// /auth: register, login, token refresh, logout, me; MFA in AuthController+MFA, the login's
// second factor in AuthController+Login. Unknown emails and wrong passwords answer alike
// (same status, body and hash work); refresh tokens are opaque "rt_..." strings, so a JWT is
// refused here before any lookup, and the bearer check refuses refresh tokens (not a JWT).
import FastCGI
import Foundation
import MariaDB
import SkannrCore
import SkannrStore

enum AuthController {
    static func register(in router: inout Router) {
        router.open("POST", "/auth/register", registerAccount)
        router.open("POST", "/auth/login", login)
        router.open("POST", "/auth/token/refresh", refresh)
        router.authenticated("POST", "/auth/logout", logout)
        router.authenticated("POST", "/auth/logout-all", logoutAll)
        router.authenticated("POST", "/auth/password", changePassword)
        router.authenticated("GET", "/auth/me", me)
        registerMFA(in: &router)
    }

    static func registerAccount(_ context: RequestContext) throws -> Response {
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
        let connection = try context.services.database()
        let user: UserRecord
        switch Result(catching: { () throws(MariaDBError) -> UserRecord in
            try UserStore(connection: connection).create(name: name, email: email, passwordHash: passwordHash, now: context.now)
        }) {
        case .success(let created):
            user = created
            try LoginThrottle.rememberRegistration(userID: created.id, clientAddress: context.request.clientAddress,
                                                   connection: connection, policy: configuration.auth.throttle, now: context.now)
        case .failure(let error) where error.isDuplicateKey:
            throw APIError(.emailTaken, "An account with this email already exists")
        case .failure(let error): throw error
        }
        return try .json(201, TokenIssuer.startSession(for: user, connection: connection, configuration: configuration, now: context.now))
    }

    static func refresh(_ context: RequestContext) throws -> Response {
        var body = try context.body()
        let token = body.requiredString("refresh_token")
        try body.finish()
        guard let token, RefreshToken.isWellFormed(token) else { throw invalidRefreshToken }
        let configuration = context.services.configuration
        let connection = try context.services.database()
        let next = RefreshToken.generate()
        let store = RefreshTokenStore(connection: connection)
        if UInt32.random(in: 0..<1000) == 0 { _ = try? store.purgeExpired(before: context.now.addingTimeInterval(-86400)) }
        let outcome = try store.rotate(
            oldHash: RefreshToken.hash(token), newHash: next.hash, now: context.now,
            expiresAt: context.now.addingTimeInterval(Double(configuration.auth.refreshTokenTTL)),
            sessionLifetime: Double(configuration.auth.sessionLifetime))
        switch outcome {
        case .rotated(let userID):
            guard let user = try UserStore(connection: connection).find(id: userID) else { throw invalidRefreshToken }
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
    static func logout(_ context: AuthenticatedContext) throws -> Response {
        var body = try context.body()
        let token = body.requiredString("refresh_token")
        try body.finish()
        if let token, RefreshToken.isWellFormed(token) {
            try RefreshTokenStore(connection: try context.services.database())
                .revokeFamily(userID: context.accountID, tokenHash: RefreshToken.hash(token), now: context.now)
        }
        return .noContent()
    }

    /// Logs out everywhere: every refresh token of the account, this session's included, is revoked
    /// (access tokens already issued still run out within their 15 minutes).
    static func logoutAll(_ context: AuthenticatedContext) throws -> Response {
        try RefreshTokenStore(connection: try context.services.database()).revokeAll(userID: context.accountID, now: context.now)
        return .noContent()
    }

    /// POST /auth/password {current_password, new_password}: the current password is checked under
    /// the login throttle; the new one is stored and every other session is revoked.
    static func changePassword(_ context: AuthenticatedContext) throws -> Response {
        var body = try context.body()
        let current = body.requiredString("current_password")
        let fresh = body.requiredString("new_password")
        if let fresh, let problem = Credentials.passwordProblem(fresh) { body.fail("new_password", problem) }
        try body.finish()
        guard let current, let fresh else { throw APIError(.badRequest, "current_password and new_password are required") }
        let user = try currentUser(context)
        let connection = try context.services.database()
        try verifyPasswordThrottled(current, user: user, context: context, connection: connection)
        let hash = try context.services.configuration.auth.passwordHasher.hash(fresh)
        try connection.transaction { tx in
            try UserStore(connection: tx).updatePasswordHash(userID: user.id, passwordHash: hash, now: context.now)
            try RefreshTokenStore(connection: tx).revokeAll(userID: user.id, keeping: TokenIssuer.sessionFamily(context), now: context.now)
        }
        return .noContent()
    }

    /// Checks `password` for a signed-in account under the login throttle (reserved before the hash,
    /// like a login); 403 when wrong, 429 while locked.
    static func verifyPasswordThrottled(_ password: String, user: UserRecord, context: AuthenticatedContext, connection: Connection) throws {
        let throttle = LoginThrottle(connection: connection, policy: context.services.configuration.auth.throttle,
                                     email: user.email, clientAddress: context.request.clientAddress)
        let known = try throttle.isKnownAddress(for: user)
        try throttle.reserve(now: context.now, knownAddress: known)
        guard context.services.configuration.auth.passwordHasher.verify(password, phc: user.passwordHash) else {
            throw APIError(.forbidden, "The password is incorrect")
        }
        try throttle.release(knownAddress: known)
    }

    static func me(_ context: AuthenticatedContext) throws -> Response {
        try .json(200, UserJSON(try currentUser(context)))
    }

    /// The account behind the access token; 401 when it no longer exists.
    static func currentUser(_ context: AuthenticatedContext) throws -> UserRecord {
        guard let user = try UserStore(connection: try context.services.database()).find(id: context.accountID) else {
            throw APIError(.unauthorized, "The account of this token no longer exists")
        }
        return user
    }
}
