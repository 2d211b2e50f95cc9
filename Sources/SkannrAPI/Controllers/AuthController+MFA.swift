// MFA endpoints: setup (a new pending secret, sealed with SKANNR_MFA_KEY; the secret is shown
// only here), enable (the first code proves the authenticator app; returns 10 recovery codes,
// stored hashed, shown once), disable (password and a TOTP or recovery code, throttled like a
// login). Enabling and disabling revoke every other session of the account.
import Foundation
import SkannrCore
import SkannrCrypto
import SkannrStore
import HTTPMessage

extension AuthController {
    static func setupMFA(_ context: AuthenticatedContext) throws -> APIResponse {
        let user = try currentUser(context)
        guard !user.mfaEnabled else { throw APIError(.conflict, "Two-factor authentication is already enabled") }
        guard let box = context.services.configuration.auth.mfaBox else {
            context.services.logger.error("SKANNR_MFA_KEY is not set")
            throw APIError.internalError
        }
        let secret = TOTP.generateSecret()
        let users = try context.services.stores().users
        let sealed = box.seal(secret, associatedData: mfaAssociatedData(user.id))
        guard try users.setPendingMFASecret(userID: user.id, sealed: sealed, now: context.now) else {
            throw APIError(.conflict, "Two-factor authentication is already enabled")
        }
        let encoded = Base32.encode(secret)
        let url = TOTP.otpauthURL(secretBase32: encoded, email: user.email)
        return try .json(200, MFASetupResponse(secret: encoded, otpauthUrl: url, qrCode: try QRCode.svgDataURI(for: url)))
    }

    static func enableMFA(_ context: AuthenticatedContext) throws -> APIResponse {
        var body = try context.body()
        let code = body.requiredString("code")
        try body.finish()
        let user = try currentUser(context)
        guard !user.mfaEnabled, let pending = user.mfaPendingSecret, let code else {
            throw APIError(.conflict, "No two-factor setup is pending: call /auth/mfa/setup first")
        }
        let totp = TOTP(secret: try openMFASecret(pending, userID: user.id, context.services))
        guard let step = totp.verify(code.trimmingCharacters(in: .whitespaces), at: context.now, lastUsedStep: user.mfaLastStep) else {
            throw APIError(.invalidMFACode, "The code does not match the pending secret", status: 400)
        }
        let codes = RecoveryCodes.generate(count: 10)
        let users = try context.services.stores().users
        guard try users.enableMFA(userID: user.id, pending: pending, step: step,
                                  recoveryCodeHashes: codes.map(RecoveryCodes.hash), now: context.now) else {
            throw APIError(.conflict, "The two-factor setup changed meanwhile; start again")
        }
        try context.services.stores().refreshTokens
            .revokeAll(userID: user.id, keeping: TokenIssuer.sessionFamily(context), now: context.now)
        return try .json(200, MFAEnableResponse(mfaEnabled: true, recoveryCodes: codes))
    }

    /// DELETE /auth/mfa {password, code}: the password and, while MFA is on, a TOTP or unused
    /// recovery code (a stolen session alone cannot turn the second factor off).
    static func disableMFA(_ context: AuthenticatedContext) throws -> APIResponse {
        var body = try context.body()
        let password = body.requiredString("password")
        let code = body.string("code").value
        try body.finish()
        guard let password else { throw APIError(.badRequest, "password is required") }
        let user = try currentUser(context)
        let stores = try context.services.stores()
        let throttle = LoginThrottle(stores: stores, policy: context.services.configuration.auth.throttle,
                                     email: user.email, clientAddress: context.request.clientAddress)
        let known = try throttle.isKnownAddress(for: user)
        try throttle.reserve(now: context.now, knownAddress: known)
        guard context.services.configuration.auth.passwordHasher.verify(password, phc: user.passwordHash) else {
            throw APIError(.forbidden, "The password is incorrect")
        }
        if user.mfaEnabled {
            guard let code, !code.isEmpty,
                  try secondFactorMatches(code, user: user, users: stores.users, context: context.base) else {
                throw APIError(.invalidMFACode, "Send a current two-factor code or an unused recovery code as code", status: 403)
            }
        }
        try throttle.release(knownAddress: known)
        try AccountUseCases.disableMFA(userID: user.id, wasEnabled: user.mfaEnabled, keepingSession: TokenIssuer.sessionFamily(context),
                                       stores: stores, now: context.now)
        return try .json(200, MFAStatusResponse(mfaEnabled: false))
    }
}
