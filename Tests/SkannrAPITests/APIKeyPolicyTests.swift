// Issue 19: what an API key may not do, over every route of the router: the route table's
// `.signIn` routes, and nothing else.
import Testing
@testable import SkannrAPI

@Suite("API key policy over the route table")
struct APIKeyPolicyTests {
    @Test("keys are refused exactly the credential, MFA, API-key and billing-changing routes")
    func forbiddenRoutes() {
        let refused = Set(RouteTable.makeRouter().routes.filter { $0.access == .authenticated && !$0.keysAllowed }
            .map { "\($0.method) \($0.pattern)" })
        #expect(refused == [
            "POST /auth/logout", "POST /auth/logout-all", "POST /auth/password",
            "POST /auth/mfa/setup", "POST /auth/mfa/enable", "DELETE /auth/mfa",
            "POST /api-keys", "GET /api-keys", "DELETE /api-keys/:id",
            "POST /billing/checkout", "POST /billing/portal", "POST /billing/change-plan",
        ])
    }

    @Test("a key generated for storage is sk_live_ with 64 lowercase hex digits and a 16-character prefix")
    func generated() {
        let made = APIKeys.generate(hashKey: Array(repeating: 7, count: 32))
        #expect(made.key.hasPrefix("sk_live_") && made.key.count == 72)
        #expect(made.key.dropFirst(8).allSatisfy { "0123456789abcdef".contains($0) })
        #expect(made.prefix == String(made.key.prefix(16)) && made.hash.count == 32)
        #expect(APIKeys.hash(made.key, hashKey: Array(repeating: 8, count: 32)) != made.hash, "the hash is keyed")
    }
}
