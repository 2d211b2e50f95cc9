// POST /auth/login: throttle reservation, password (or the dummy hash for an unknown email, so
// both cost one Argon2id run), then the second factor when MFA is on. Every attempt is counted as
// a failure before the hash runs; `mfa_required` (password right, no code sent) and success take
// it back.
import Foundation
import SkannrCore
import SkannrCrypto
import SkannrStore
import HTTPMessage

extension AuthController {
    static func login(_ context: RequestContext) throws -> APIResponse {
        var body = try context.body()
        let rawEmail = body.requiredString("email")
        let password = body.requiredString("password")
        let mfaCode = body.string("mfa_code").value
        try body.finish()
        guard let rawEmail, let password else { throw APIError(.badRequest, "email and password are required") }

        let configuration = context.services.configuration
        let stores = try context.services.stores()
        let now = context.now
        let email = Credentials.normalizeEmail(rawEmail)
        let throttle = LoginThrottle(stores: stores, policy: configuration.auth.throttle, email: email,
                                     clientAddress: context.request.clientAddress)
        let users = stores.users
        let hasher = configuration.auth.passwordHasher
        let user = email.isEmpty || email.utf8.count > Credentials.maxEmailLength ? nil : try users.find(email: email)
        let knownAddress = try throttle.isKnownAddress(for: user)
        // Counted as a failure before the hash runs; taken back below when it was none.
        try throttle.reserve(now: now, knownAddress: knownAddress)

        let passwordMatches = hasher.verify(password, phc: user?.passwordHash ?? hasher.dummyHash)
        guard let user, passwordMatches, Credentials.passwordLengths.contains(password.count) else {
            throw APIError(.invalidCredentials, "The email or password is incorrect")
        }
        if user.mfaEnabled {
            guard let mfaCode, !mfaCode.isEmpty else {
                try throttle.release(knownAddress: knownAddress)
                throw APIError(.mfaRequired, "This account uses two-factor authentication: send mfa_code")
            }
            guard try secondFactorMatches(mfaCode, user: user, users: users, context: context) else {
                throw APIError(.invalidMFACode, "The two-factor code is incorrect or was already used")
            }
        }
        try throttle.succeeded(userID: user.id, knownAddress: knownAddress, now: now)
        if hasher.needsRehash(phc: user.passwordHash), let fresh = try? hasher.hash(password) {
            try users.updatePasswordHash(userID: user.id, passwordHash: fresh, now: now)
        }
        return try .json(200, TokenIssuer.startSession(for: user, stores: stores, configuration: configuration, now: now))
    }

    /// A TOTP code (6 digits, a step later than the last one used, claimed atomically) or an
    /// unused recovery code (marked used atomically).
    static func secondFactorMatches(_ code: String, user: UserRecord, users: UserStore, context: RequestContext) throws -> Bool {
        let trimmed = code.trimmingCharacters(in: .whitespaces)
        if trimmed.utf8.count == 6, trimmed.utf8.allSatisfy({ (48...57).contains($0) }) {
            let totp = TOTP(secret: try openMFASecret(user.mfaSecret, userID: user.id, context.services))
            guard let step = totp.verify(trimmed, at: context.now, lastUsedStep: user.mfaLastStep) else { return false }
            return try users.claimTOTPStep(userID: user.id, step: step)
        }
        guard RecoveryCodes.isWellFormed(trimmed) else { return false }
        return try users.useRecoveryCode(userID: user.id, codeHash: RecoveryCodes.hash(trimmed), now: context.now)
    }

    /// Associated data binding a sealed TOTP secret to its account (a row copied elsewhere fails).
    static func mfaAssociatedData(_ userID: Int64) -> [UInt8] { Array("skannr-mfa:\(userID)".utf8) }

    static func openMFASecret(_ sealed: [UInt8]?, userID: Int64, _ services: Services) throws -> [UInt8] {
        guard let sealed, let box = services.configuration.auth.mfaBox,
              let secret = try? box.open(sealed, associatedData: mfaAssociatedData(userID)) else {
            services.logger.error("cannot open a sealed MFA secret (SKANNR_MFA_KEY missing or changed?)",
                                  metadata: ["account_id": "\(userID)"])
            throw APIError.internalError
        }
        return secret
    }
}
