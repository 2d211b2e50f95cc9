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
        case .success(let created): user = created
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
            expiresAt: context.now.addingTimeInterval(Double(configuration.auth.refreshTokenTTL)))
        switch outcome {
        case .rotated(let userID):
            guard let user = try UserStore(connection: connection).find(id: userID) else { throw invalidRefreshToken }
            return try .json(200, TokenIssuer.response(for: user, refreshToken: next.token, configuration: configuration, now: context.now))
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
