// Helpers for the live scan flow: an `openssl s_server` on loopback and throwaway certificates.
// Listeners, background processes and accounts come from TestSupport.
import Foundation
import Glibc
import MariaDB
import SkannrCore
import Testing
import TestSupport

struct FlowFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `openssl s_server` with a certificate on 127.0.0.1:port, up once the port accepts.
func startTLSServer(port: UInt16, cert: String, key: String) throws -> BackgroundProcess {
    let server = try BackgroundProcess("/usr/bin/openssl", ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key,
                                                            "-www", "-quiet"])
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if LoopbackListener.accepts(port: port) { return server }
        usleep(50_000)
    }
    server.kill()
    throw FlowFailure("openssl s_server did not listen on \(port)")
}

/// A self-signed certificate and key made with the openssl CLI; returns (cert, key, sha256 hex lowercase).
func makeCertificate(in directory: String, name: String) throws -> (cert: String, key: String, fingerprint: String) {
    let cert = "\(directory)/\(name).pem", key = "\(directory)/\(name).key"
    try Shell.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                       "-days", "365", "-subj", "/CN=\(name).skannr.test"])
    let output = try Shell.run("/usr/bin/openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"])
    let hex = output.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "") } ?? ""
    return (cert, key, hex.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
}

extension APIResponse {
    func number(_ key: String) -> Int64? { (json[key] as? NSNumber)?.int64Value }
}
