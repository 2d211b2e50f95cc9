// Issue 19 (schemathesis ST205): a path bound by a literal pattern and a parameter pattern belongs
// to the literal one: its 405 lists only the literal route's methods.
import FastCGI
import Testing
@testable import SkannrAPI

@Suite("Router: the most specific pattern owns a path")
struct RouterSpecificityTests {
    static func router() -> Router {
        var router = Router()
        router.open("GET", "/scans/:id") { _ in .noContent() }
        router.open("POST", "/scans/trigger-all") { _ in .noContent() }
        router.open("POST", "/scans/:id/cancel") { _ in .noContent() }
        return router
    }

    @Test("OPTIONS on /scans/trigger-all is 405 with Allow: POST only")
    func literalOwnsItsPath() {
        guard case .methodNotAllowed(let allowed) = Self.router().match(method: "OPTIONS", path: "/scans/trigger-all") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == ["POST"])
    }

    @Test("GET on /scans/trigger-all is 405, not a lookup of scan 'trigger-all'")
    func getOnLiteral() {
        guard case .methodNotAllowed(let allowed) = Self.router().match(method: "GET", path: "/scans/trigger-all") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == ["POST"])
    }

    @Test("a parameter path still matches, and its 405 lists its own methods")
    func parameterPath() {
        guard case .found(let route, let parameters) = Self.router().match(method: "GET", path: "/scans/7") else {
            Issue.record("expected a match"); return
        }
        #expect(route.pattern == "/scans/:id" && parameters["id"] == "7")
        guard case .methodNotAllowed(let allowed) = Self.router().match(method: "DELETE", path: "/scans/7") else {
            Issue.record("expected 405"); return
        }
        #expect(allowed == ["GET"])
    }
}
