// A numeric IPv4/IPv6 socket address (sockaddr_in / sockaddr_in6) parsed once and reused for every port.
// Trap: sin_port is in network byte order; `withPort` swaps it, nothing else should.
import Glibc

struct SocketAddress: Sendable {
    private(set) var storage = sockaddr_storage()
    let length: socklen_t
    let family: Int32

    init?(numeric text: String, port: UInt16) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr = v4
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_addr = v6
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            return nil
        }
    }

    /// Builds from what getsockname/getaddrinfo returned.
    init?(raw: UnsafeRawPointer, length: socklen_t) {
        let fam = Int32(raw.load(as: sockaddr.self).sa_family)
        guard fam == AF_INET || fam == AF_INET6, Int(length) <= MemoryLayout<sockaddr_storage>.size else { return nil }
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(length))) }
        self.length = length
        self.family = fam
    }

    var port: UInt16 {
        get {
            withUnsafeBytes(of: storage) { raw in
                family == AF_INET
                    ? UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
                    : UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            }
        }
        set {
            // sin_port and sin6_port share offset 2.
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: newValue.bigEndian, toByteOffset: 2, as: UInt16.self)
            }
        }
    }

    /// The address bytes (4 or 16), for comparing two ends of a connection.
    var addressBytes: [UInt8] {
        withUnsafeBytes(of: storage) { raw in
            family == AF_INET ? Array(raw[4..<8]) : Array(raw[8..<24])
        }
    }

    /// The canonical numeric text form (inet_ntop).
    var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let bytes = addressBytes
        let ok = bytes.withUnsafeBytes { src in
            inet_ntop(family, src.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
