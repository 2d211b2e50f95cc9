// Loopback fixtures for the engine tests: listeners, a process runner, nft DROP rules, fd counting.
// Traps: everything binds 127.0.0.x or ::1 only; every fixture is closed/killed/removed in a defer.
import Foundation
import Glibc
import TestSupport

/// A TCP listener on loopback (port chosen by the kernel). `behaviour` decides what an accepted peer sees.
final class TestListener: @unchecked Sendable {
    enum Behaviour { case listenOnly, sendGarbage }
    let fd: Int32
    let port: UInt16
    private var thread: Thread?

    init(address: String = "127.0.0.1", behaviour: Behaviour = .listenOnly) throws {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var storage = sockaddr_storage()
        var len: socklen_t
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            inet_pton(AF_INET6, address, &sin6.sin6_addr)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) } }
            len = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, address, &sin.sin_addr)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) } }
            len = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 64) == 0 }
        }
        guard bound else {
            Glibc.close(fd)
            throw TestFailure("bind/listen on \(address) failed: \(String(cString: strerror(errno)))")
        }
        var out = sockaddr_storage()
        var outLen = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &outLen) }
        }
        self.fd = fd
        self.port = withUnsafeBytes(of: out) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        if behaviour == .sendGarbage {
            let thread = Thread { [fd] in
                while true {
                    let peer = accept(fd, nil, nil)
                    guard peer >= 0 else { return }
                    let reply = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                    _ = reply.withCString { write(peer, $0, strlen($0)) }
                    Glibc.close(peer)
                }
            }
            thread.start()
            self.thread = thread
        }
    }

    private var closed = false

    /// Idempotent: a second close must not hit an fd number someone else reused.
    func close() {
        guard !closed else { return }
        closed = true
        shutdown(fd, Int32(SHUT_RDWR))   // wakes a blocked accept()
        Glibc.close(fd)
    }

    deinit { close() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A port that was free a moment ago (bound, then closed): connecting to it is refused.
func closedPort(address: String = "127.0.0.1") throws -> UInt16 {
    let listener = try TestListener(address: address)
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

    init(address: String, ports: [UInt16]? = nil) throws {
        table = "skannr_engine_test_\(getpid())_\(address.split(separator: ".").last ?? "x")"
        let match = ports.map { " tcp dport { \($0.map(String.init).joined(separator: ", ")) }" } ?? " ip protocol tcp"
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
