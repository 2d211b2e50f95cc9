// The TLS probe pool and the resolver behind the WAN bench's emulated link (~80 ms RTT, 1 % loss):
// 200 open TLS ports probed many at once, and the bench's DNS names (rotating, slow, failing).
// Traps: root only (skipped with the reason otherwise); only the bench's own addresses are contacted.
import Foundation
import Testing
import TestSupport
@testable import ScanEngine

extension LoopbackTests {
    @Suite("TLS and DNS behind the WAN bench", .serialized,
           .needs(WANBench.unavailableReason))
    struct WANTLSTests {
        @Test("200 open TLS ports behind the 80 ms lossy link are probed in a few seconds, not tens")
        func twoHundredTLSPorts() throws {
            let bench = try WANBench.up(link: .lossy)
            defer { bench.down() }
            let host = try #require(try bench.truth().host(.tls))
            #expect(host.open.count == 200)
            let targets = host.open.map { TLSProbe.Target(host: host.address, port: $0, serverName: nil) }
            let started = ContinuousClock.now
            let result = TLSProbe.probeAll(targets, options: .init(timeout: .seconds(3), concurrency: 64))
            let elapsed = ContinuousClock.now - started
            let described = result.outcomes.compactMap { $0?.facts }.count
            print("WAN TLS: \(described)/\(targets.count) described in \(elapsed), peak \(result.peakInFlight) handshakes at once")
            #expect(described == targets.count, "failures: \(result.outcomes.filter { $0?.facts == nil }.prefix(5))")
            #expect(result.peakInFlight >= 32)
            // Two at a time (the old pool) needs ~200 × 3 RTT / 2 ≈ 25 s; 64 at a time ~1 s plus retransmissions.
            #expect(elapsed < .seconds(15))
        }

        @Test("the bench's DNS: a rotating name resolves to the same sorted list every time, a failing one is temporary, a missing one permanent")
        func dnsThroughTheLink() throws {
            let bench = try WANBench.up(link: .lossy, dnsSlowMs: 3000)
            defer { bench.down() }
            let truth = try bench.truth()
            var options = Resolver.Options()
            options.servers = ["\(bench.dnsServer.address):\(bench.dnsServer.port)"]
            options.useHostsFile = false
            options.attemptTimeout = .milliseconds(1000)
            options.attempts = 3
            options.backoff = .milliseconds(100)
            options.deadline = .seconds(5)

            let rotating = try (0..<3).map { _ in try Resolver.resolve("rotate-all.\(truth.dns.zone)", options: options) }
            #expect(rotating[0].count == 3)
            #expect(rotating.allSatisfy { $0 == rotating[0] }, "order changes with the rotation: \(rotating)")

            for (name, code, temporary) in [("fail.\(truth.dns.zone)", "resolver_unavailable", true),
                                            ("slow.\(truth.dns.zone)", "resolver_timeout", true),
                                            ("nope.\(truth.dns.zone)", "name_not_found", false)] {
                do {
                    let addresses = try Resolver.resolve(name, options: options)
                    Issue.record("\(name) resolved to \(addresses)")
                } catch let failure as Resolver.Failure {
                    #expect(failure.code == code, "\(name): \(failure)")
                    #expect(failure.isTemporary == temporary, "\(name): \(failure)")
                }
            }
            #expect(try Resolver.resolve("closed.\(truth.dns.zone)", options: options) == [bench.address(.closed)])
        }
    }
}
