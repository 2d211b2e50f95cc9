// The resolver against a DNS server the test starts on loopback (never an external one): answers,
// permanent NXDOMAIN, a late answer past the deadline, SERVFAIL then success, numeric input.
// Under LoopbackTests: its UDP sockets must not overlap the fd-counting tests.
import Foundation
import Testing
@testable import ScanEngine

extension LoopbackTests {
    @Suite("Resolver with a loopback DNS server")
    struct ResolverTests {
        static func options(_ server: TestDNSServer, timeoutMs: Int = 500, attempts: Int = 3) -> Resolver.Options {
            var options = Resolver.Options()
            options.servers = [server.server]
            options.useHostsFile = false
            options.attemptTimeout = .milliseconds(timeoutMs)
            options.attempts = attempts
            options.backoff = .milliseconds(50)
            options.deadline = .seconds(3)
            return options
        }

        @Test("A and AAAA answers come back sorted, IPv4 first, without duplicates")
        func answers() throws {
            let server = try TestDNSServer { _, _ in .addresses(["127.0.0.9", "::1", "127.0.0.2", "127.0.0.9"]) }
            let addresses = try Resolver.resolve("multi.skannr.test", options: Self.options(server))
            #expect(addresses == ["127.0.0.2", "127.0.0.9", "::1"])
        }

        @Test("NXDOMAIN is permanent at once: one query, no retry")
        func nxdomain() throws {
            let server = try TestDNSServer { _, _ in .nxdomain }
            do {
                _ = try Resolver.resolve("missing.skannr.test", options: Self.options(server))
                Issue.record("resolved a name that does not exist")
            } catch let failure as Resolver.Failure {
                #expect(failure.code == "name_not_found")
                #expect(!failure.isTemporary)
            }
            #expect(server.queries(for: "missing.skannr.test") <= 2, "one A and one AAAA query at most")
        }

        @Test("an answer later than the deadline is a temporary timeout, after every attempt, within the deadline")
        func slowAnswer() throws {
            let server = try TestDNSServer { _, _ in .late(2.5, .addresses(["127.0.0.1"])) }
            var options = Self.options(server, timeoutMs: 300, attempts: 2)
            options.deadline = .seconds(1)
            let started = Date()
            do {
                _ = try Resolver.resolve("slow.skannr.test", options: options)
                Issue.record("a late answer was accepted")
            } catch let failure as Resolver.Failure {
                #expect(failure.code == "resolver_timeout")
                #expect(failure.isTemporary)
            }
            #expect(Date().timeIntervalSince(started) < 1.8, "the resolver's own deadline (1 s) bounds the wait")
            #expect(server.queries(for: "slow.skannr.test") >= 2, "the second attempt asked again")
        }

        @Test("SERVFAIL is retried with backoff and the later answer wins")
        func servfailThenSuccess() throws {
            let server = try TestDNSServer { _, earlier in earlier < 2 ? .servfail : .addresses(["127.0.0.3"]) }
            let addresses = try Resolver.resolve("flaky.skannr.test", options: Self.options(server, attempts: 4))
            #expect(addresses == ["127.0.0.3"])
            #expect(server.queries(for: "flaky.skannr.test") >= 3)
        }

        @Test("SERVFAIL on every attempt ends as a temporary failure, not as 'no such name'")
        func servfailForever() throws {
            let server = try TestDNSServer { _, _ in .servfail }
            do {
                _ = try Resolver.resolve("broken.skannr.test", options: Self.options(server, attempts: 2))
                Issue.record("resolved through SERVFAIL")
            } catch let failure as Resolver.Failure {
                #expect(failure.code == "resolver_unavailable")
                #expect(failure.isTemporary)
            }
        }

        @Test("numeric addresses pass through without a query; an empty name is invalid")
        func numeric() throws {
            let server = try TestDNSServer { _, _ in .addresses(["127.0.0.1"]) }
            #expect(try Resolver.resolve("127.0.0.1", options: Self.options(server)) == ["127.0.0.1"])
            #expect(try Resolver.resolve("::1", options: Self.options(server)) == ["::1"])
            #expect(server.queries(for: "127.0.0.1") == 0)
            #expect(throws: Resolver.Failure.self) { try Resolver.resolve("", options: Self.options(server)) }
        }

        @Test("the hosts file answers localhost without asking DNS")
        func hostsFile() throws {
            let server = try TestDNSServer { _, _ in .nxdomain }
            var options = Self.options(server)
            options.useHostsFile = true
            #expect(try Resolver.resolve("localhost", options: options).contains("127.0.0.1"))
            #expect(server.queries(for: "localhost") == 0)
        }
    }
}
