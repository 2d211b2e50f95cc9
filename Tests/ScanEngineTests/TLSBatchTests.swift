// The TLS probe pool: real concurrency (not one per CPU), the per-call cap, progress while it runs,
// cancellation, and "not TLS" told from "probe failed" against scripted loopback peers.
import Foundation
import Testing
import TestSupport
@testable import ScanEngine

extension LoopbackTests {
    @Suite("TLS probe pool on loopback")
    struct TLSBatchTests {
        /// A server whose every handshake starts 200 ms after the connection is accepted.
        static func slowTLSServer(_ dir: String) throws -> ScriptedPeer {
            let context = try TLSServerContext(certificate: try CertificateFactory.selfSigned(in: dir))
            return try ScriptedPeer { fd in
                usleep(200_000)
                context.handshake(fd)
            }
        }

        static func targets(_ port: UInt16, count: Int) -> [TLSProbe.Target] {
            (0..<count).map { _ in TLSProbe.Target(host: "127.0.0.1", port: port, serverName: nil) }
        }

        @Test("200 probes of handshakes that take 200 ms each run many at once, and never more than the concurrency")
        func concurrency() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let server = try Self.slowTLSServer(dir)
            defer { server.close() }
            let result = TLSProbe.probeAll(Self.targets(server.port, count: 200),
                                           options: .init(timeout: .seconds(5), concurrency: 64))
            #expect(result.outcomes.allSatisfy { $0?.facts != nil })
            #expect(server.handled(atLeast: 200) == 200)
            #expect(server.peakActive >= 32, "handshakes in progress at once at the server: \(server.peakActive)")
            #expect(result.peakInFlight <= 64 && result.peakInFlight >= 32)
        }

        @Test("a concurrency of 1 makes one handshake at a time")
        func serial() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let server = try Self.slowTLSServer(dir)
            defer { server.close() }
            let result = TLSProbe.probeAll(Self.targets(server.port, count: 4), options: .init(timeout: .seconds(5), concurrency: 1))
            #expect(result.outcomes.allSatisfy { $0?.facts != nil })
            #expect(result.peakInFlight == 1)
            // The server may still be closing a finished probe's connection when the next one arrives,
            // so it can see two at once for a moment; four at once would be a pool that ignores the setting.
            #expect(server.handled(atLeast: 4) == 4)
            #expect(server.peakActive <= 2)
        }

        @Test("progress is reported while a long batch runs, from the calling thread, with growing counts")
        func progress() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let server = try Self.slowTLSServer(dir)
            defer { server.close() }
            let caller = pthread_self()
            var reports: [TLSProbe.BatchProgress] = []
            var onCaller = true
            let result = TLSProbe.probeAll(Self.targets(server.port, count: 12),
                                           options: .init(timeout: .seconds(5), concurrency: 2, progressInterval: .milliseconds(50))) { report in
                onCaller = onCaller && pthread_equal(pthread_self(), caller) != 0
                reports.append(report)
                return true
            }
            #expect(result.outcomes.allSatisfy { $0?.facts != nil })
            #expect(reports.count >= 5, "progress calls during ~1.2 s of probes: \(reports.count)")
            #expect(onCaller)
            #expect(reports.allSatisfy { $0.total == 12 && $0.inFlight <= 2 })
            #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.done <= $1.done })
        }

        @Test("returning false from progress cancels: the batch ends soon, unprobed targets are nil")
        func cancel() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let server = try Self.slowTLSServer(dir)
            defer { server.close() }
            let started = Date()
            let result = TLSProbe.probeAll(Self.targets(server.port, count: 100),
                                           options: .init(timeout: .seconds(5), concurrency: 2, progressInterval: .milliseconds(100))) { _ in false }
            #expect(result.cancelled)
            #expect(result.outcomes.filter { $0 == nil }.count >= 90)
            #expect(result.outcomes.allSatisfy { $0 == nil || $0?.facts != nil }, "a cancelled probe is not reported as a failure")
            #expect(Date().timeIntervalSince(started) < 2, "100 probes at 2 × 200 ms would take 10 s")
        }

        @Test("the cap probes well-known TLS ports first and counts what it cut")
        func cap() throws {
            let plain = try LoopbackListener(behaviour: .sendGarbage)
            defer { plain.close() }
            let refused = try closedPort()
            let targets = [TLSProbe.Target(host: "127.0.0.1", port: refused, serverName: nil),
                           TLSProbe.Target(host: "127.0.0.1", port: plain.port, serverName: nil),
                           TLSProbe.Target(host: "127.0.0.2", port: 443, serverName: nil)]   // refused too: nobody listens
            let result = TLSProbe.probeAll(targets, options: .init(timeout: .seconds(2), concurrency: 4, maxProbes: 1))
            #expect(result.cutByCap == 2)
            #expect(result.outcomes[0] == nil && result.outcomes[1] == nil)
            #expect(result.outcomes[2]?.isFailure == true)
        }

        @Test("a peer that closes without a byte, or speaks first in clear text, is not TLS")
        func notTLS() throws {
            // Reads the ClientHello, then closes: a plain FIN. (Closing before the hello arrives would make
            // the kernel answer the hello with a reset — a race, and a reset is rightly a failed probe.)
            let closing = try ScriptedPeer { fd in
                var hello = [UInt8](repeating: 0, count: 4096)
                _ = read(fd, &hello, hello.count)
            }
            defer { closing.close() }
            let ssh = try ScriptedPeer(script: Scripts.sshBanner)
            defer { ssh.close() }
            let closed = TLSProbe.probe(host: "127.0.0.1", port: closing.port, serverName: nil, timeout: .seconds(2))
            let banner = TLSProbe.probe(host: "127.0.0.1", port: ssh.port, serverName: nil, timeout: .seconds(2))
            #expect(closed == .notTLS(reason: "closed the connection without answering"))
            guard case .notTLS = banner else {
                Issue.record("expected notTLS for an SSH banner, got \(banner)")
                return
            }
        }

        @Test("a peer that starts a TLS answer and then resets or closes is a failed probe, not 'not TLS'")
        func failedMidHandshake() throws {
            let resetting = try ScriptedPeer(script: Scripts.startTLSThenReset)
            defer { resetting.close() }
            let closing = try ScriptedPeer(script: Scripts.startTLSThenClose)
            defer { closing.close() }
            let reset = TLSProbe.probe(host: "127.0.0.1", port: resetting.port, serverName: nil, timeout: .seconds(2))
            let closed = TLSProbe.probe(host: "127.0.0.1", port: closing.port, serverName: nil, timeout: .seconds(2))
            guard case .failed(let r) = reset, case .failed(let c) = closed else {
                Issue.record("expected failed probes, got \(reset) and \(closed)")
                return
            }
            #expect(r.code == .reset)
            #expect(c.code == .reset)
        }

        @Test("SNI is sent for a server name and not for a numeric address")
        func serverNameIndication() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let main = try CertificateFactory.selfSigned(in: dir)
            let other = try CertificateFactory.expiredCASigned(in: dir)
            let server = try TLSServer(certificate: main, sniCertificate: ("expired.skannr.test", other))
            defer { server.stop() }
            let byName = TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "expired.skannr.test", timeout: .seconds(3))
            let byAddress = TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "127.0.0.1", timeout: .seconds(3))
            #expect(byName.facts?.subject == "CN=expired.skannr.test")
            #expect(byAddress.facts?.subject == "CN=skannr.test,O=Skannr Test")
        }
    }
}
