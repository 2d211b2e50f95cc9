// Refresh tokens through nginx: rotation, reuse detection revoking the family, two concurrent
// refreshes with one token (exactly one 200, each thread with its own connection), logout.
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("Auth refresh tokens through nginx", .needsStack)
struct AuthRefreshTests {
    static func refresh(_ token: String) throws -> APIResponse {
        try APIClient().post("/auth/token/refresh", ["refresh_token": token])
    }

    @Test("a refresh rotates: new tokens and the user, the old refresh token stops working")
    func rotation() throws {
        let (email, registered) = try AuthE2E.register("rotate")
        let first = try #require(AuthE2E.refreshToken(registered))
        let second = try Self.refresh(first)
        #expect(second.status == 200, "\(second)")
        let next = try #require(AuthE2E.refreshToken(second))
        #expect(next != first && next.hasPrefix("rt_"))
        #expect((second["user"] as? [String: Any])?["email"] as? String == email)
        #expect(second["token_type"] as? String == "Bearer" && second["expires_in"] as? Int == 900)
        #expect(try APIClient(token: AuthE2E.accessToken(second)).get("/auth/me").status == 200)
        let third = try Self.refresh(next)
        #expect(third.status == 200)
    }

    @Test("presenting a used refresh token revokes the whole family")
    func reuse() throws {
        let (_, registered) = try AuthE2E.register("reuse")
        let first = try #require(AuthE2E.refreshToken(registered))
        let rotated = try Self.refresh(first)
        let child = try #require(AuthE2E.refreshToken(rotated))
        let replay = try Self.refresh(first)
        #expect(replay.status == 401)
        #expect(replay.code == "unauthorized")
        let childAfter = try Self.refresh(child)
        #expect(childAfter.status == 401, "the live child died with its family")
    }

    @Test("two concurrent refreshes with one token: exactly one succeeds")
    func concurrent() throws {
        for round in 0..<3 {
            let (_, registered) = try AuthE2E.register("race\(round)")
            let token = try #require(AuthE2E.refreshToken(registered))
            let clients = [OwnedClient(try APIClient()), OwnedClient(try APIClient())]
            let statuses = Mutex<[Int]>([])
            let threads = clients.map { client in
                Thread {
                    let status = (try? client.value.post("/auth/token/refresh", ["refresh_token": token]).status) ?? -1
                    statuses.withLock { $0.append(status) }
                }
            }
            threads.forEach { $0.start() }
            let deadline = Date().addingTimeInterval(30)
            while statuses.withLock({ $0.count }) < 2, Date() < deadline { usleep(5_000) }
            let results = statuses.withLock { $0 }.sorted()
            #expect(results == [200, 401], "round \(round): \(results)")
        }
    }

    @Test("logout revokes that login's refresh tokens; unknown tokens are 204 too")
    func logout() throws {
        let (email, registered) = try AuthE2E.register("logout")
        let client = try APIClient(token: AuthE2E.accessToken(registered))
        let otherLogin = try APIClient().post("/auth/login", ["email": email, "password": AuthE2E.password])
        let token = try #require(AuthE2E.refreshToken(registered))
        #expect(try client.post("/auth/logout", ["refresh_token": token]).status == 204)
        #expect(try Self.refresh(token).status == 401)
        #expect(try client.post("/auth/logout", ["refresh_token": "rt_" + String(repeating: "A", count: 43)]).status == 204)
        #expect(try client.post("/auth/logout", ["refresh_token": "junk"]).status == 204)
        let other = try Self.refresh(try #require(AuthE2E.refreshToken(otherLogin)))
        #expect(other.status == 200, "another login's family is untouched")
    }

    @Test("logout cannot revoke another account's tokens")
    func logoutOtherAccount() throws {
        let (_, victim) = try AuthE2E.register("victim")
        let (_, attacker) = try AuthE2E.register("attacker")
        let victimToken = try #require(AuthE2E.refreshToken(victim))
        #expect(try APIClient(token: AuthE2E.accessToken(attacker)).post("/auth/logout", ["refresh_token": victimToken]).status == 204)
        #expect(try Self.refresh(victimToken).status == 200)
    }

    @Test("a malformed refresh token is 401 and a missing one 400")
    func malformed() throws {
        #expect(try Self.refresh("rt_short").status == 401)
        #expect(try APIClient().post("/auth/token/refresh", [:]).status == 400)
    }
}

/// Hands one APIClient to exactly one thread (the client itself is not Sendable).
final class OwnedClient: @unchecked Sendable {
    let value: APIClient
    init(_ value: APIClient) { self.value = value }
}
