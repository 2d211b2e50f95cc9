// The JSON shapes of the auth endpoints: User and the token pair. Written snake_case by JSONBody
// (mfaEnabled -> mfa_enabled, createdAt -> created_at as RFC 3339 UTC).
import Foundation
import SkannrStore

struct UserJSON: Encodable {
    let id: Int64
    let name: String
    let email: String
    let plan: String
    let mfaEnabled: Bool
    let createdAt: Date

    init(_ user: UserRecord) {
        id = user.id
        name = user.name
        email = user.email
        plan = user.plan
        mfaEnabled = user.mfaEnabled
        createdAt = user.createdAt
    }
}

struct TokenResponse: Encodable {
    let user: UserJSON
    let accessToken: String
    let refreshToken: String
    let tokenType = "Bearer"
    let expiresIn: Int64
}

struct MFASetupResponse: Encodable {
    let secret: String
    let otpauthUrl: String
    let qrCode: String
}

struct MFAEnableResponse: Encodable {
    let mfaEnabled: Bool
    let recoveryCodes: [String]
}

struct MFAStatusResponse: Encodable {
    let mfaEnabled: Bool
}
