// Certificates made with the openssl CLI and `openssl s_server` processes serving them on 127.0.0.1.
// Traps: s_server is SIGKILLed in stop()/deinit (SIGTERM is blocked in children of the test runner); the port is free-then-bound, so startup is polled.
import Foundation
import Glibc
import TestSupport

struct TestCertificate {
    let certPath: String
    let keyPath: String

    /// openssl's own SHA-256 fingerprint of the certificate, lowercase hex without colons.
    func opensslFingerprint() throws -> String {
        let out = try run(["openssl", "x509", "-in", certPath, "-noout", "-fingerprint", "-sha256"]).output
        guard let value = out.split(separator: "=").last else { throw TestFailure("no fingerprint in \(out)") }
        return value.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: "").lowercased()
    }
}

enum CertificateFactory {
    static func directory() throws -> String {
        let dir = NSTemporaryDirectory() + "skannr-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A valid self-signed certificate for skannr.test with DNS and IP SANs.
    static func selfSigned(in dir: String) throws -> TestCertificate {
        let cert = TestCertificate(certPath: dir + "/self.pem", keyPath: dir + "/self.key")
        let r = try run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                         "-nodes", "-keyout", cert.keyPath, "-out", cert.certPath, "-days", "30",
                         "-subj", "/O=Skannr Test/CN=skannr.test",
                         "-addext", "subjectAltName=DNS:skannr.test,DNS:www.skannr.test,IP:127.0.0.1"])
        guard r.status == 0 else { throw TestFailure("openssl req: \(r.output)") }
        return cert
    }

    /// A certificate signed by a throw-away CA that expired yesterday (`x509 -req -days -1`).
    static func expiredCASigned(in dir: String) throws -> TestCertificate {
        let ca = try run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "30",
                          "-subj", "/CN=Skannr Test CA"])
        let csr = try run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", dir + "/old.key", "-out", dir + "/old.csr", "-subj", "/CN=expired.skannr.test"])
        let sign = try run(["openssl", "x509", "-req", "-in", dir + "/old.csr", "-CA", dir + "/ca.pem",
                            "-CAkey", dir + "/ca.key", "-CAcreateserial", "-days", "-1", "-out", dir + "/old.pem"])
        guard ca.status == 0, csr.status == 0, sign.status == 0 else {
            throw TestFailure("openssl: \(ca.output)\(csr.output)\(sign.output)")
        }
        return TestCertificate(certPath: dir + "/old.pem", keyPath: dir + "/old.key")
    }
}

/// `openssl s_server` on 127.0.0.1:port, killed on stop.
final class TLSServer {
    let port: UInt16
    private let process: BackgroundProcess

    /// `sniCertificate`: served instead when the client's SNI names it.
    init(certificate: TestCertificate, chainFile: String? = nil, sniCertificate: (name: String, TestCertificate)? = nil) throws {
        port = try closedPort()
        let sni = sniCertificate.map { ["-servername", $0.name, "-cert2", $0.1.certPath, "-key2", $0.1.keyPath] } ?? []
        process = try BackgroundProcess("openssl", ["s_server", "-quiet", "-accept", "127.0.0.1:\(port)",
                                                    "-cert", certificate.certPath, "-key", certificate.keyPath, "-www"]
                                        + (chainFile.map { ["-cert_chain", $0] } ?? []) + sni)
        // Bounded wait until it accepts connections.
        for _ in 0..<300 {
            if LoopbackListener.accepts(port: port) { return }
            usleep(10_000)
        }
        stop()
        throw TestFailure("s_server did not start on port \(port)")
    }

    /// SIGKILL: children of the test process may inherit a mask that blocks SIGTERM.
    func stop() { process.kill() }

    deinit { stop() }
}
