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
        let bound = try Self.withSocketAddress(address, port: requested) { family, socketAddress, length -> Int32? in
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, socketAddress, length) == 0, listen(fd, 128) == 0 else {
                Glibc.close(fd)
                return nil
            }
            return fd
        }
        guard let fd = bound else { throw LoopbackError("socket/bind/listen on \(address) failed") }
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
    /// True when a TCP connect to address:port succeeds right now (a server is up there).
    public static func accepts(port: UInt16, address: String = "127.0.0.1") -> Bool {
        let connected = try? withSocketAddress(address, port: port) { family, socketAddress, length in
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { Glibc.close(fd) }
            return connect(fd, socketAddress, length) == 0
        }
        return connected ?? false
    }

    /// A numeric IPv4 or IPv6 address and a port as a sockaddr, for bind or connect.
    static func withSocketAddress<Result>(_ address: String, port: UInt16,
                                          _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Result) throws -> Result {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &found) == 0, let info = found, let socketAddress = info.pointee.ai_addr else {
            throw LoopbackError("\(address) is not a numeric IP address")
        }
        defer { freeaddrinfo(found) }
        return body(info.pointee.ai_family, socketAddress, info.pointee.ai_addrlen)
    }

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
