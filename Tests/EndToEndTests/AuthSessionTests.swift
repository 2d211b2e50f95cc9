// Issue 16 #4 through nginx: sessions end when they should. Enabling MFA and changing the password
// revoke every other session (the caller's own keeps working); logout-all ends them all; a session
// has an absolute lifetime (30 days) that refreshing does not extend (the test moves a session's
// start back in the database instead of waiting).
import Foundation
import SkannrCore
import SkannrCrypto
import Testing
import TestSupport

@Suite("Auth sessions end when they should (issue 16 #4)", .needsStack)
struct AuthSessionTests {
    static func refresh(_ token: String?) throws -> APIResponse {
        try APIClient().post("/auth/token/refresh", ["refresh_token": token ?? "rt_missing"])
    }

    /// Registers an account and signs in a second time: (email, first session, second session).
    static func twoSessions(_ tag: String) throws -> (String, APIResponse, APIResponse) {
        let (email, first) = try AuthE2E.register(tag)
        let second = try APIClient().post("/auth/login", ["email": email, "password": AuthE2E.password])
        #expect(second.status == 200, "\(second)")
        return (email, first, second)
    }

    @Test("enabling MFA revokes every other session; the caller's own refreshes on")
    func enablingMFARevokesOthers() throws {
        let (_, mine, other) = try Self.twoSessions("mfa-on")
        let client = try APIClient(token: AuthE2E.accessToken(mine))
        let secret = try #require(try client.post("/auth/mfa/setup")["secret"] as? String)
        let totp = TOTP(secret: try #require(Base32.decode(secret)))
        #expect(try client.post("/auth/mfa/enable", ["code": totp.code(at: Date())]).status == 200)
        #expect(try Self.refresh(AuthE2E.refreshToken(other)).status == 401, "a session from before MFA is gone")
        #expect(try Self.refresh(AuthE2E.refreshToken(mine)).status == 200, "the caller's session stays")
    }

    @Test("disabling MFA needs a code besides the password and revokes every other session")
    func disablingMFARevokesOthers() throws {
        let (email, mine, _) = try Self.twoSessions("mfa-off")
        let client = try APIClient(token: AuthE2E.accessToken(mine))
        let secret = try #require(try client.post("/auth/mfa/setup")["secret"] as? String)
        let totp = TOTP(secret: try #require(Base32.decode(secret)))
        let step = totp.step(at: Date())
        let codes = try #require(try client.post("/auth/mfa/enable", ["code": totp.code(step: step)])["recovery_codes"] as? [String])
        let other = try APIClient().post("/auth/login", ["email": email, "password": AuthE2E.password, "mfa_code": codes[0]])
        #expect(other.status == 200, "\(other)")
        let passwordOnly = try client.delete("/auth/mfa", ["password": AuthE2E.password])
        #expect(passwordOnly.status == 403 && passwordOnly.code == "invalid_mfa_code", "\(passwordOnly)")
        #expect(try client.delete("/auth/mfa", ["password": AuthE2E.password, "code": "000000"]).status == 403)
        #expect(try client.delete("/auth/mfa", ["password": AuthE2E.password, "code": codes[1]]).status == 200)
        #expect(try Self.refresh(AuthE2E.refreshToken(other)).status == 401, "the other session is gone")
    }

    @Test("POST /auth/password changes the password (204) and revokes every other session")
    func passwordChange() throws {
        let (email, mine, other) = try Self.twoSessions("password")
        let client = try APIClient(token: AuthE2E.accessToken(mine))
        let fresh = "a brand new passphrase"
        let wrong = try client.post("/auth/password", ["current_password": "not the password!", "new_password": fresh])
        #expect(wrong.status == 403, "\(wrong)")
        let short = try client.post("/auth/password", ["current_password": AuthE2E.password, "new_password": "short"])
        #expect(short.status == 400, "\(short)")
        let changed = try client.post("/auth/password", ["current_password": AuthE2E.password, "new_password": fresh])
        #expect(changed.status == 204, "\(changed)")
        #expect(try Self.refresh(AuthE2E.refreshToken(other)).status == 401, "the other session is gone")
        #expect(try Self.refresh(AuthE2E.refreshToken(mine)).status == 200, "the caller's session stays")
        #expect(try APIClient().post("/auth/login", ["email": email, "password": AuthE2E.password]).status == 401)
        #expect(try APIClient().post("/auth/login", ["email": email, "password": fresh]).status == 200)
    }

    @Test("POST /auth/logout-all answers 204 and ends every session")
    func logoutAll() throws {
        let (_, mine, other) = try Self.twoSessions("everywhere")
        let response = try APIClient(token: AuthE2E.accessToken(mine)).post("/auth/logout-all")
        #expect(response.status == 204, "\(response)")
        #expect(try Self.refresh(AuthE2E.refreshToken(other)).status == 401)
        #expect(try Self.refresh(AuthE2E.refreshToken(mine)).status == 401)
    }

    @Test("refreshing does not stretch a session past 30 days from its login")
    func absoluteLifetime() throws {
        let (_, registered) = try AuthE2E.register("lifetime")
        let id = try #require(AuthE2E.userID(registered))
        let database = try TestStack.appDatabase()
        try database.execute("UPDATE refresh_tokens SET session_started_at = NOW(6) - INTERVAL 29 DAY WHERE user_id = ?", [.int(id)])
        let nearEnd = try Self.refresh(AuthE2E.refreshToken(registered))
        #expect(nearEnd.status == 200, "\(nearEnd)")
        let row = try #require(try database.queryOne("""
            SELECT TIMESTAMPDIFF(HOUR, NOW(6), expires_at) AS hours FROM refresh_tokens WHERE user_id = ? ORDER BY id DESC LIMIT 1
            """, [.int(id)]))
        #expect(try row.int("hours") <= 24, "the new token ends with the session, not 7 days on")
        try database.execute("UPDATE refresh_tokens SET session_started_at = NOW(6) - INTERVAL 31 DAY WHERE user_id = ?", [.int(id)])
        #expect(try Self.refresh(AuthE2E.refreshToken(nearEnd)).status == 401, "a 31-day-old session cannot refresh")
    }
}
