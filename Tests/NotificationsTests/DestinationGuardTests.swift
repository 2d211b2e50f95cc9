// The SSRF guard in process (the test stack allows private targets, so its refusals are tested
// here with the production policy): URL rules at channel creation, and resolution at send time
// with names that resolve to loopback or the metadata address, real (localhost) and from a table.
import Foundation
import ScanRunner
import SkannrCore
import Testing
@testable import Notifications

@Suite("Notification destination guard")
struct DestinationGuardTests {
    static let production = DestinationGuard(scope: ScanScope(allowPrivate: false))

    @Test("numeric loopback, private, link-local and metadata URLs are refused when private targets are not allowed")
    func numericRefused() {
        for url in ["https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data", "https://10.0.0.5/x",
                    "https://[::1]:8443/x", "https://[::ffff:127.0.0.1]/x", "https://0.0.0.0/x", "https://192.168.1.1/x"] {
            #expect(throws: DestinationURL.Problem.self, "\(url)") { try DestinationURL.parse(url, allowPrivate: false) }
            #expect(throws: DestinationGuard.Refusal.self, "\(url)") { try Self.production.check(url) }
        }
        #expect((try? DestinationURL.parse("https://169.254.169.254/", allowPrivate: false)) == nil)
        do { _ = try DestinationURL.parse("https://169.254.169.254/", allowPrivate: false) } catch {
            #expect(error.notAllowed && error.message.contains("link-local"))
        }
    }

    // The scanner's resolver (c-ares) does not read inet_aton's short forms as addresses, so these are
    // refused as unresolvable; either way nothing is sent (the connection goes only to a checked address).
    @Test("short and integer forms of loopback (127.1, 2130706433) are refused at send time by the real resolver")
    func loopbackNamesRefused() {
        #expect(throws: DestinationURL.Problem.self) { try DestinationURL.parse("https://localhost/x", allowPrivate: false) }
        for url in ["https://127.1:8443/hook", "https://2130706433/hook"] {
            do {
                _ = try Self.production.check(url)
                Issue.record("\(url) was allowed")
            } catch {
                #expect(error.message.contains("not a public address") || error.message.contains("cannot resolve"), "\(error)")
                #expect(!error.message.contains("127.0.0.1") && !error.message.contains("loopback"), "no internal address told: \(error)")
            }
        }
    }

    @Test("a name resolving to the metadata address, or to any one private address among public ones, is refused")
    func resolvedNamesRefused() throws {
        let table: [String: [String]] = ["metadata.example.com": ["169.254.169.254"], "mixed.example.com": ["93.184.215.14", "127.0.0.1"],
                                         "public.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]
        let guardrail = DestinationGuard(scope: ScanScope(allowPrivate: false)) { name in table[name] ?? [] }
        #expect(throws: DestinationGuard.Refusal.self) { try guardrail.check("https://metadata.example.com/x") }
        do { _ = try guardrail.check("https://metadata.example.com/x") } catch {
            #expect(!error.message.contains("169.254"), "the refusal names no internal address: \(error.message)")
        }
        #expect(throws: DestinationGuard.Refusal.self) { try guardrail.check("https://mixed.example.com/x") }
        #expect(throws: DestinationGuard.Refusal.self) { try guardrail.check("https://nothing.example.com/x") }
        let checked = try guardrail.check("https://public.example.com:8443/x")
        #expect(checked.pins == ["public.example.com:8443:93.184.215.14"])   // the connection goes to the checked address
    }

    @Test("with private targets allowed, loopback passes but an allow-list still confines the notifier")
    func allowListConfines() throws {
        let loopbackOnly = DestinationGuard(scope: ScanScope(allowPrivate: true, onlyNetworks: try ScanScope.networks("127.0.0.0/8,::1/128"))) {
            name in name == "localhost" ? ["127.0.0.1"] : ["10.1.2.3"]
        }
        #expect(try loopbackOnly.check("https://localhost:9/x").pins == ["localhost:9:127.0.0.1"])
        #expect(try loopbackOnly.check("http://127.0.0.1:9/x").pins.isEmpty)
        #expect(throws: DestinationGuard.Refusal.self) { try loopbackOnly.check("https://10.1.2.3/x") }
        #expect(throws: DestinationGuard.Refusal.self) { try loopbackOnly.check("https://intranet.example/x") }
        let ipv6 = DestinationGuard(scope: ScanScope(allowPrivate: true)) { _ in ["::1"] }
        #expect(try ipv6.check("https://v6.example/x").pins == ["v6.example:443:[::1]"])
    }

    @Test("URLs must be https (http only where private targets are allowed), absolute, without credentials")
    func urlRules() {
        #expect(throws: DestinationURL.Problem.self) { try DestinationURL.parse("http://hooks.example.com/x", allowPrivate: false) }
        #expect((try? DestinationURL.parse("http://hooks.example.com/x", allowPrivate: true)) != nil)
        #expect(throws: DestinationURL.Problem.self) { try DestinationURL.parse("https://user:pw@hooks.example.com/x", allowPrivate: false) }
        #expect(throws: DestinationURL.Problem.self) { try DestinationURL.parse("hooks.example.com/x", allowPrivate: false) }
        #expect(throws: DestinationURL.Problem.self) { try DestinationURL.parse("https://hooks.example.com/a b", allowPrivate: false) }
        #expect(throws: DestinationURL.Problem.self) { try DestinationURL.parse("ftp://hooks.example.com/x", allowPrivate: true) }
        let url = try? DestinationURL.parse("https://Hooks.Example.com/services/x", allowPrivate: false)
        #expect(url?.port == 443 && url?.address == nil)
    }
}
