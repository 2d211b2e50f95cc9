// The TLS probe against openssl s_server and hostile loopback peers: facts, fingerprints, fast failures.
import Foundation
import Testing
import TestSupport
@testable import ScanEngine

extension LoopbackTests {
    @Suite("TLS probe on loopback")
    struct TLSProbeTests {
        @Test("a self-signed certificate is described like openssl describes it")
        func selfSigned() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let cert = try CertificateFactory.selfSigned(in: dir)
            let server = try TLSServer(certificate: cert)
            defer { server.stop() }
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "skannr.test", timeout: .seconds(3))
            guard case .tls(let facts) = outcome else {
                Issue.record("expected TLS, got \(outcome)")
                return
            }
            #expect(facts.fingerprintSHA256 == (try cert.opensslFingerprint()))
            #expect(facts.subject == "CN=skannr.test,O=Skannr Test")
            #expect(facts.issuer == facts.subject)
            #expect(facts.san == ["skannr.test", "www.skannr.test", "127.0.0.1"])
            #expect(facts.selfSigned)
            #expect(!facts.expired)
            #expect(facts.keyType == "EC-P256")
            #expect(facts.version == "TLSv1.3")
            #expect(!facts.cipher.isEmpty)
            #expect(facts.notAfter.timeIntervalSince(facts.notBefore) > 29 * 86400)
            #expect(abs(facts.notBefore.timeIntervalSinceNow) < 600)
        }

        @Test("an expired CA-signed certificate is expired and not self-signed")
        func expired() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let cert = try CertificateFactory.expiredCASigned(in: dir)
            let server = try TLSServer(certificate: cert)
            defer { server.stop() }
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: nil, timeout: .seconds(3))
            guard case .tls(let facts) = outcome else {
                Issue.record("expected TLS, got \(outcome)")
                return
            }
            #expect(facts.expired)
            #expect(!facts.selfSigned)
            #expect(facts.issuer == "CN=Skannr Test CA")
            #expect(facts.subject == "CN=expired.skannr.test")
            #expect(facts.san.isEmpty)
            #expect(facts.notAfter < Date())
            #expect(facts.fingerprintSHA256 == (try cert.opensslFingerprint()))
        }

        @Test("a server sending a certificate chain over the size limit fails the handshake, not the prober")
        func hugeChain() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let cert = try CertificateFactory.selfSigned(in: dir)
            let pem = try String(contentsOfFile: cert.certPath, encoding: .utf8)
            let chain = dir + "/chain.pem"
            try String(repeating: pem, count: 400).write(toFile: chain, atomically: true, encoding: .utf8)   // ~200 KB DER
            let server = try TLSServer(certificate: cert, chainFile: chain)
            defer { server.stop() }
            let started = Date()
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: nil, timeout: .seconds(3))
            guard case .failed(let failure) = outcome else {
                Issue.record("expected the handshake to fail, got \(outcome)")
                return
            }
            #expect(failure.code == .handshakeFailed)
            #expect(failure.message.contains("excessive message size"))
            #expect(Date().timeIntervalSince(started) < 2)
        }

        @Test("a plain TCP service that answers in clear text is not TLS, and fails fast")
        func plainText() throws {
            let listener = try LoopbackListener(behaviour: .sendGarbage)
            defer { listener.close() }
            let started = Date()
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: listener.port, serverName: nil, timeout: .seconds(5))
            guard case .notTLS = outcome else {
                Issue.record("expected notTLS, got \(outcome)")
                return
            }
            #expect(Date().timeIntervalSince(started) < 1)
        }

        @Test("a peer that accepts and never answers times out within the deadline")
        func silentPeer() throws {
            let listener = try LoopbackListener(behaviour: .listenOnly)   // the kernel accepts; nobody ever reads or writes
            defer { listener.close() }
            let started = Date()
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: listener.port, serverName: nil, timeout: .milliseconds(500))
            let elapsed = Date().timeIntervalSince(started)
            #expect(outcome.isFailure)
            if case .failed(let failure) = outcome { #expect(failure.code == .timeout) }
            #expect(elapsed >= 0.45 && elapsed < 1.5)
        }

        @Test("a refused port is a failed probe (the port closed since the sweep), not a port without TLS")
        func refused() throws {
            let port = try closedPort()
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: port, serverName: nil, timeout: .seconds(1))
            #expect(outcome == .failed(TLSProbeFailure(.connectFailed, "connect: Connection refused")))
        }

        @Test("the batch probe keeps the targets' order and mixes outcomes")
        func batch() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let cert = try CertificateFactory.selfSigned(in: dir)
            let server = try TLSServer(certificate: cert)
            defer { server.stop() }
            let plain = try LoopbackListener(behaviour: .sendGarbage)
            defer { plain.close() }
            let targets = [server.port, plain.port, server.port].map {
                TLSProbe.Target(host: "127.0.0.1", port: $0, serverName: nil)
            }
            let outcomes = TLSProbe.probeAll(targets, timeout: .seconds(3), concurrency: 2)
            #expect(outcomes.count == 3)
            if case .tls(let a) = outcomes[0], case .tls(let c) = outcomes[2] {
                #expect(a.fingerprintSHA256 == c.fingerprintSHA256)
            } else {
                Issue.record("expected TLS at 0 and 2: \(outcomes)")
            }
            if case .notTLS = outcomes[1] {} else { Issue.record("expected notTLS at 1: \(outcomes[1])") }
        }
    }
}
