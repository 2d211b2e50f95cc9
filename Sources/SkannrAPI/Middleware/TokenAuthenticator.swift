// Bearer access tokens -> Principal. Pure signature and claim checks (no database round trip):
// the plan travels in the token, so a plan change reaches the rate limit within one token
// lifetime (15 minutes); plan limits on writes are read from the database. A token seen before
// is answered from VerifiedTokenCache (only its expiry is re-checked): the JSON parsing of a full
// verify was ~30% of a GET /targets/:id in the benchmark (docs/benchmarks.md).

import Foundation
import SkannrCore

public struct TokenAuthenticator: Authenticating {
    public let signer: JWTSigner
    private let cache: VerifiedTokenCache

    public init(signer: JWTSigner, cacheCapacity: Int = 1024) {
        self.signer = signer
        cache = VerifiedTokenCache(capacity: cacheCapacity)
    }

    public func principal(forAccessToken token: String, now: Date) throws(APIError) -> Principal {
        let time = Int64(now.timeIntervalSince1970.rounded(.down))
        if let claims = cache.claims(for: token), time < claims.exp + signer.leeway {
            return Principal(accountID: claims.sub, plan: claims.plan, sessionID: claims.sid)
        }
        do {
            let claims = try signer.verify(token, now: now)
            guard claims.sub > 0 else { throw APIError(.unauthorized, "Invalid access token") }
            cache.remember(token, claims)
            return Principal(accountID: claims.sub, plan: claims.plan, sessionID: claims.sid)
        } catch let error as TokenError {
            if error == .expired { throw APIError(.tokenExpired, "The access token has expired; refresh it") }
            throw APIError(.unauthorized, "Invalid access token")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.unauthorized, "Invalid access token")
        }
    }
}
