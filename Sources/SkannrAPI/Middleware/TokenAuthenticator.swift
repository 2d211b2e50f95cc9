// Bearer access tokens -> Principal. Pure signature and claim checks (no database round trip):
// the plan travels in the token, so a plan change reaches the rate limit within one token
// lifetime (15 minutes); plan limits on writes are read from the database.

import Foundation
import SkannrCore

public struct TokenAuthenticator: Authenticating {
    public let signer: JWTSigner

    public init(signer: JWTSigner) { self.signer = signer }

    public func principal(forAccessToken token: String, now: Date) throws(APIError) -> Principal {
        do {
            let claims = try signer.verify(token, now: now)
            guard claims.sub > 0 else { throw APIError(.unauthorized, "Invalid access token") }
            return Principal(accountID: claims.sub, plan: claims.plan)
        } catch let error as TokenError {
            if error == .expired { throw APIError(.tokenExpired, "The access token has expired; refresh it") }
            throw APIError(.unauthorized, "Invalid access token")
        } catch {
            throw APIError(.unauthorized, "Invalid access token")
        }
    }
}
