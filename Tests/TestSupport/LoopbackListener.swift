// Loopback TCP listeners for tests that scan: bound to 127.0.0.1 or ::1 only, on a port the kernel
// picks (or a given one). What a peer sees is the behaviour: closed at once, never answered (the
// handshake completes in the backlog), or a line of garbage. Closing is idempotent.

import Foundation
import Glibc

public final class LoopbackListener: @unchecked Sendable {
    public enum Behaviour: Sendable { case acceptAndClose, listenOnly, sendGarbage }

    public let fd: Int32
    public let port: UInt16
    private let lock = NSLock()
    private var closed = false

    public init(address: String = "127.0.0.1", port requested: UInt16 = 0, behaviour: Behaviour = .acceptAndClose) throws {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket failed") }
        var storage = sockaddr_storage()
        let len: socklen_t
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = requested.bigEndian
            inet_pton(AF_INET6, address, &sin6.sin6_addr)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) } }
            len = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = requested.bigEndian
            inet_pton(AF_INET, address, &sin.sin_addr)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) } }
            len = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let ok = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 128) == 0 }
        }
        guard ok else {
            Glibc.close(fd)
            throw LoopbackError("bind/listen on \(address) failed")
        }
        var out = sockaddr_storage()
        var outLen = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &outLen) } }
        self.fd = fd
        port = withUnsafeBytes(of: out) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        guard behaviour != .listenOnly else { return }
        Thread { [fd] in
            while true {
                let peer = accept(fd, nil, nil)
                guard peer >= 0 else { return }
                if behaviour == .sendGarbage {
                    let reply = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                    _ = reply.withCString { write(peer, $0, strlen($0)) }
                }
                Glibc.close(peer)
            }
        }.start()
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    deinit { close() }
}

extension LoopbackListener {
    /// A port that was free a moment ago (bound, then closed): connecting to it is refused.
    public static func freePort(address: String = "127.0.0.1") throws -> UInt16 {
        let listener = try LoopbackListener(address: address)
        defer { listener.close() }
        return listener.port
    }
}

public struct LoopbackError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
