// Loopback fixtures for the engine tests: listeners, a silent port, a process runner, nft DROP rules, fd counting.
// Traps: everything binds 127.0.0.x or ::1 only; every fixture is closed/killed/removed in a defer.
import Foundation
import Glibc
import TestSupport
@testable import ScanEngine

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A port that was free a moment ago (bound, then closed): connecting to it is refused.
func closedPort(address: String = "127.0.0.1") throws -> UInt16 {
    let listener = try LoopbackListener(address: address, behaviour: .listenOnly)
    let port = listener.port
    listener.close()
    return port
}

/// Runs a command to completion (bounded by `timeout` seconds); returns status and stdout+stderr.
@discardableResult
func run(_ arguments: [String], input: String? = nil, timeout: Double = 20) throws -> (status: Int32, output: String) {
    try Shell.execute(arguments[0], Array(arguments.dropFirst()), input: input, timeout: timeout)
}

/// Open file descriptors of this process.
func openFDCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// An nft table that drops inbound TCP to `address` (all ports, or the listed ones) on loopback.
final class DropRule {
    let table: String
    static var unavailableReason: String? {
        guard geteuid() == 0 else { return "needs root to add an nft rule" }
        guard let check = try? run(["nft", "list", "tables"]), check.status == 0 else { return "nft is not usable here" }
        return nil
    }

    /// `lossPercent`: drop only that share of the SYNs, at random (a lossy path), instead of all.
    init(address: String, ports: [UInt16]? = nil, lossPercent: Int? = nil) throws {
        table = "skannr_engine_test_\(getpid())_\(address.split(separator: ".").last ?? "x")"
        var match = ports.map { " tcp dport { \($0.map(String.init).joined(separator: ", ")) }" } ?? " ip protocol tcp"
        if let lossPercent { match += " tcp flags & (syn | ack) == syn numgen random mod 100 < \(lossPercent)" }
        let rules = """
        table inet \(table) {
          chain input {
            type filter hook input priority -10; policy accept;
            ip daddr \(address)\(match) drop
          }
        }
        """
        let result = try run(["nft", "-f", "-"], input: rules)
        guard result.status == 0 else { throw TestFailure("nft failed: \(result.output)") }
    }

    func remove() { _ = try? run(["nft", "delete", "table", "inet", table]) }
    deinit { remove() }
}

/// A loopback port that never answers, without nft: a listener with backlog 0 whose accept queue
/// one connection fills, so the kernel drops every later SYN to it (Linux: listen queue overflow).
final class SilentPort {
    let port: UInt16
    private let listener: Int32
    private let filler: Int32

    init(address text: String = "127.0.0.1") throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        (self.listener, self.filler) = (listener, filler)
        guard var address = SocketAddress(numeric: text, port: 0), listener >= 0, filler >= 0,
              address.withSockaddr({ bind(listener, $0, $1) }) == 0, listen(listener, 0) == 0 else {
            port = 0
            throw TestFailure("could not listen on \(text): \(String(cString: strerror(errno)))")
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        self.port = port
        address.port = port
        guard address.withSockaddr({ connect(filler, $0, $1) }) == 0 else {
            throw TestFailure("could not fill the accept queue: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(filler)
        close(listener)
    }
}
