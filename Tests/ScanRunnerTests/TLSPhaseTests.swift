// The runner's TLS phase and name resolution: a TLS phase longer than the lease keeps its lease, a cancel
// during it is noticed within a heartbeat, DNS retried through SERVFAIL (a DNS server of the test's own on
// loopback), a temporary DNS failure gives the scan back rather than failing it for good.
import Foundation
import MariaDB
import SkannrStore
import Testing
@testable import ScanEngine
@testable import ScanRunner
import TestSupport

// Nested in ExecutionTests (serialized, database-gated): its timing-sensitive cancel tests must not run beside these.
extension ExecutionTests {
    @Suite("TLS phase in the runner", .serialized)
    struct TLSPhaseTests {
        /// Ports whose TLS probe waits for the whole TLS timeout (the kernel accepts; nobody answers).
        static func silentPorts(_ count: Int) throws -> [LoopbackListener] {
            try (0..<count).map { _ in try LoopbackListener(behaviour: .listenOnly) }
        }

        /// A lease of 3 s and TLS probes one at a time of 1 s each over `ports`: the TLS phase outlives the lease.
        static func slowTLSConfiguration(_ fixture: RunnerFixture) throws -> RunnerConfiguration {
            var configuration = try fixture.configuration()
            configuration.leaseDuration = .seconds(3)
            configuration.heartbeatInterval = .seconds(1)
            configuration.tlsConcurrency = 1
            configuration.tlsTimeout = .seconds(1)
            return configuration
        }

        @Test("a TLS phase longer than the lease keeps the lease and completes")
        func longPhaseKeepsLease() throws {
            let fixture = try RunnerFixture()
            let listeners = try Self.silentPorts(5)
            defer { listeners.forEach { $0.close() } }
            let ports = listeners.map { String($0.port) }.joined(separator: ",")
            let scanID = try fixture.addScan(target: try fixture.addTarget("127.0.0.1"), ports: ports)
            let runner = ScanRunner(configuration: try Self.slowTLSConfiguration(fixture))
            guard case .completed(let summary) = try runner.step(fixture.store) else {
                Issue.record("a 5 s TLS phase under a 3 s lease should complete")
                return
            }
            #expect(summary.openPorts == 5)
            #expect(try fixture.status(scanID) == "completed")
        }

        @Test("a cancel during the TLS phase is noticed within a heartbeat")
        func cancelDuringPhase() throws {
            let fixture = try RunnerFixture()
            let listeners = try Self.silentPorts(10)
            defer { listeners.forEach { $0.close() } }
            let ports = listeners.map { String($0.port) }.joined(separator: ",")
            let scanID = try fixture.addScan(target: try fixture.addTarget("127.0.0.1"), ports: ports)
            let runner = ScanRunner(configuration: try Self.slowTLSConfiguration(fixture))
            let box = EndBox()
            let database = fixture.database
            let userID = fixture.userID
            let started = ContinuousClock.now
            onThreads(2) { index in
                guard let connection = try? Connection(config: database) else { return }
                if index == 0 {
                    box.set(try? runner.step(ScanLifecycleStore(connection: connection)))
                } else {
                    Thread.sleep(forTimeInterval: 1.5)
                    _ = try? ScanStore(connection: connection).cancel(accountID: userID, id: scanID, now: Date())
                }
            }
            #expect(box.end == .cancelled)
            #expect(ContinuousClock.now - started < .seconds(5), "10 probes of 1 s each would take 10 s")
            #expect(try fixture.int("SELECT COUNT(*) AS n FROM tls_certificates") == 0)
        }

        @Test("a domain target whose DNS answers SERVFAIL twice, then an address, is scanned: the runner's resolver retries")
        func dnsRetried() throws {
            let fixture = try RunnerFixture()
            let listener = try LoopbackListener()
            defer { listener.close() }
            let dns = try TestDNSServer { _, earlier in earlier < 2 ? .servfail : .addresses(["127.0.0.1"]) }
            let target = try fixture.addTarget("flaky.skannr.test", type: "domain")
            let scanID = try fixture.addScan(target: target, ports: "\(listener.port)")
            var configuration = try fixture.configuration()
            configuration.dnsServers = [dns.server]
            guard case .completed(let summary) = try ScanRunner(configuration: configuration).step(fixture.store) else {
                Issue.record("the scan should complete once DNS answers")
                return
            }
            #expect(summary.openPorts == 1)
            #expect(try fixture.status(scanID) == "completed")
            #expect(dns.queries(for: "flaky.skannr.test") >= 3)
        }

        @Test("a domain target whose DNS never answers in time is given back for a later attempt, not failed")
        func dnsTimeoutGivenBack() throws {
            let fixture = try RunnerFixture()
            let dns = try TestDNSServer { _, _ in .silence }
            let target = try fixture.addTarget("silent.skannr.test", type: "domain")
            let scanID = try fixture.addScan(target: target, ports: "80")
            var configuration = try fixture.configuration()
            configuration.dnsServers = [dns.server]
            configuration.dnsTimeout = .milliseconds(200)
            configuration.dnsAttempts = 2
            let end = try ScanRunner(configuration: configuration).step(fixture.store)
            guard case .retry(let reason) = end else {
                Issue.record("expected the scan to be given back, got \(String(describing: end))")
                return
            }
            #expect(reason.contains("resolve_unavailable"))
            #expect(try fixture.status(scanID) == "pending")
            #expect(dns.queries(for: "silent.skannr.test") >= 2)
        }
    }
}

@Suite("Resolution in the host plan")
struct ResolutionPlanTests {
    @Test("a temporary DNS failure is retried later (not permanent); a missing name fails the scan for good")
    func temporaryFailure() throws {
        let temporary = Resolver.Failure("resolver_timeout", "slow.example: no answer in time", temporary: true)
        let permanent = Resolver.Failure("name_not_found", "gone.example: no A or AAAA record", temporary: false)
        do {
            _ = try HostPlan.make(addressType: "domain", address: "slow.example", scope: ScanScope(allowPrivate: false),
                                  resolve: { _ in throw temporary })
            Issue.record("resolved through a timeout")
        } catch let error as RunnerError {
            #expect(error.code == .resolveUnavailable)
            #expect(!error.isPermanent)
        }
        do {
            _ = try HostPlan.make(addressType: "domain", address: "gone.example", scope: ScanScope(allowPrivate: false),
                                  resolve: { _ in throw permanent })
            Issue.record("resolved a missing name")
        } catch let error as RunnerError {
            #expect(error.code == .resolveFailed)
            #expect(error.isPermanent)
        }
    }
}
