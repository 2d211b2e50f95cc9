// Hostile certificates against the certificate reader (issue 16 #10): otherName/dirName/email/URI/RID
// SANs, a huge SAN list, zero and negative lengths, broken dates, and random mutations of their DER
// (debug builds trap on a negative buffer count, so a crash here fails the run). SKANNR_FUZZ=0 skips
// the mutation loop. One hostile certificate is also served live and probed.
import Foundation
import Testing
import COpenSSL
import TestSupport
@testable import ScanEngine

extension LoopbackTests {
    @Suite("Hostile certificates")
    struct CertificateFuzzTests {
        static let hugeSANCount = 2000

        /// A self-signed certificate whose SAN holds every name type, then `hugeSANCount` DNS names.
        static func hostile(in dir: String) throws -> TestCertificate {
            var config = """
            [req]
            distinguished_name = dn
            x509_extensions = ext
            prompt = no
            [dn]
            CN = hostile.skannr.test
            [ext]
            subjectAltName = @alt
            [alt]
            otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:user@skannr.test
            dirName.1 = dir_section
            email.1 = admin@skannr.test
            URI.1 = https://skannr.test/
            RID.1 = 1.2.3.4
            IP.1 = 127.0.0.1
            IP.2 = ::1
            DNS.1 = first.skannr.test

            """
            for i in 2...hugeSANCount { config += "DNS.\(i) = n\(i).skannr.test\n" }
            config += "[dir_section]\nCN = directory name\nO = nested\n"
            let configPath = dir + "/hostile.cnf"
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
            let cert = TestCertificate(certPath: dir + "/hostile.pem", keyPath: dir + "/hostile.key")
            let r = try run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cert.keyPath,
                             "-out", cert.certPath, "-days", "10", "-config", configPath])
            guard r.status == 0 else { throw TestFailure("openssl req: \(r.output)") }
            return cert
        }

        static func der(_ cert: TestCertificate, in dir: String) throws -> [UInt8] {
            let path = dir + "/\(UUID().uuidString).der"
            let r = try run(["openssl", "x509", "-in", cert.certPath, "-outform", "DER", "-out", path])
            guard r.status == 0 else { throw TestFailure("openssl x509: \(r.output)") }
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }

        @Test("otherName, dirName, email, URI and RID entries are skipped; DNS and IP entries kept, capped")
        func nameTypes() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let der = try Self.der(try Self.hostile(in: dir), in: dir)
            guard let facts = CertificateReader.facts(derEncoded: der) else {
                Issue.record("a well-formed hostile certificate was not read")
                return
            }
            #expect(facts.san.count == CertificateReader.maxSubjectAltNames)
            #expect(Array(facts.san.prefix(4)) == ["127.0.0.1", "::1", "first.skannr.test", "n2.skannr.test"])
            #expect(!facts.san.contains { $0.contains("user@") || $0.contains("directory") || $0.contains("admin@") })
            #expect(facts.keyType == "RSA-2048")
        }

        @Test("a DNS entry of zero or negative length, or a mistyped union, reads as nothing")
        func lengths() throws {
            let name = try #require(GENERAL_NAME_new())
            defer { GENERAL_NAME_free(name) }
            let string = try #require(ASN1_IA5STRING_new())
            #expect(ASN1_STRING_set(string, "abc", 3) == 1)
            name.pointee.type = GEN_DNS
            name.pointee.d.dNSName = string
            #expect(CertificateReader.subjectAltName(name) == "abc")
            string.pointee.length = -5
            #expect(CertificateReader.subjectAltName(name) == nil)
            string.pointee.length = 0
            #expect(CertificateReader.subjectAltName(name) == nil)
            string.pointee.length = 3
            name.pointee.type = GEN_IPADD   // 3 bytes: not an address
            #expect(CertificateReader.subjectAltName(name) == nil)
            name.pointee.type = GEN_OTHERNAME   // the union is not an OTHERNAME: must not be read as one
            #expect(CertificateReader.subjectAltName(name) == nil)
            name.pointee.type = GEN_DNS
        }

        @Test("a certificate with a broken validity date is unreadable, not a crash")
        func brokenDates() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var der = try Self.der(try CertificateFactory.selfSigned(in: dir), in: dir)
            guard let at = (0..<(der.count - 15)).first(where: { der[$0] == 0x17 && der[$0 + 1] == 0x0d }) else {
                Issue.record("no UTCTime in the certificate")
                return
            }
            der.replaceSubrange((at + 2)..<(at + 15), with: Array("991399996199Z".utf8))   // month 13, hour 99
            #expect(CertificateReader.facts(derEncoded: der) == nil)
        }

        @Test("random mutations of hostile certificates never crash the reader", .optOut("SKANNR_FUZZ"))
        func mutations() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let seeds = [try Self.der(try Self.hostile(in: dir), in: dir),
                         try Self.der(try CertificateFactory.selfSigned(in: dir), in: dir),
                         try Self.der(try CertificateFactory.expiredCASigned(in: dir), in: dir)]
            var rng = SplitMix64(seed: UInt64(UInt32.random(in: 0...UInt32.max)))
            let seed = rng.state
            var read = 0
            for round in 0..<3000 {
                var der = seeds[round % seeds.count]
                for _ in 0..<(1 + Int(rng.next() % 6)) {
                    let at = Int(rng.next() % UInt64(der.count))
                    let values: [UInt8] = [0x00, 0x80, 0x81, 0x82, 0xff, 0x7f, UInt8(truncatingIfNeeded: rng.next())]
                    der[at] = values[Int(rng.next() % UInt64(values.count))]
                }
                if rng.next() % 8 == 0 { der.removeLast(Int(rng.next() % UInt64(der.count))) }
                if CertificateReader.facts(derEncoded: der) != nil { read += 1 }
            }
            print("certificate fuzz: seed \(seed), 3000 mutations, \(read) still readable")
        }

        @Test("a live server presenting the hostile certificate is probed and described")
        func live() throws {
            let dir = try CertificateFactory.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let server = try TLSServer(certificate: try Self.hostile(in: dir))
            defer { server.stop() }
            let outcome = TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: nil, timeout: .seconds(3))
            guard let facts = outcome.facts else {
                Issue.record("expected TLS facts, got \(outcome)")
                return
            }
            #expect(facts.subject == "CN=hostile.skannr.test")
            #expect(facts.san.count == CertificateReader.maxSubjectAltNames)
            #expect(facts.keyType == "RSA-2048")
        }
    }
}

/// A small seeded generator, so that a failing fuzz run can be replayed from its printed seed.
struct SplitMix64 {
    private(set) var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
