// A tiny DNS server on 127.0.0.1:<udp port> for resolver tests: each query name gets the reply its
// script says (addresses, NXDOMAIN, SERVFAIL, a late answer, silence); queries are counted per name.
// Traps: UDP only, one question per query, no compression in questions; stops within 100 ms of stop().
import Foundation
import Glibc

final class TestDNSServer: @unchecked Sendable {
    enum Reply: Sendable {
        case addresses([String])
        case nxdomain
        case servfail
        /// The reply, sent after a delay (seconds).
        indirect case late(Double, Reply)
        case silence
    }

    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var stopped = false
    /// name (lowercase, no trailing dot) and how many queries for it came before this one → the reply.
    private let script: @Sendable (String, Int) -> Reply

    init(script: @escaping @Sendable (_ name: String, _ earlierQueries: Int) -> Reply) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0 else {
            port = 0
            throw TestFailure("DNS server: bind failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    /// "127.0.0.1:<port>" for Resolver.Options.servers.
    var server: String { "127.0.0.1:\(port)" }

    func queries(for name: String) -> Int { lock.withLock { counts[name, default: 0] } }

    func stop() {
        lock.withLock { stopped = true }
    }

    deinit {
        stop()
        usleep(150_000)
        close(fd)
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while !lock.withLock({ stopped }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &peerLength) }
            }
            guard n > 12, let question = Self.question(Array(buffer[0..<n])) else { continue }
            let earlier = lock.withLock { () -> Int in
                defer { counts[question.name, default: 0] += 1 }
                return counts[question.name, default: 0]
            }
            respond(script(question.name, earlier), to: Array(buffer[0..<question.end]), type: question.type, peer: peer, peerLength: peerLength)
        }
    }

    private func respond(_ reply: Reply, to query: [UInt8], type: UInt16, peer: sockaddr_storage, peerLength: socklen_t) {
        switch reply {
        case .silence:
            return
        case .late(let seconds, let inner):
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                respond(inner, to: query, type: type, peer: peer, peerLength: peerLength)
            }
        case .nxdomain, .servfail, .addresses:
            var peer = peer
            let message = Self.answer(reply, query: query, type: type)
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, message, message.count, 0, $0, peerLength) }
            }
        }
    }

    /// The query's name, type and where its question ends.
    private static func question(_ packet: [UInt8]) -> (name: String, type: UInt16, end: Int)? {
        var labels: [String] = []
        var i = 12
        while i < packet.count {
            let length = Int(packet[i])
            if length == 0 { break }
            guard length < 64, i + 1 + length <= packet.count else { return nil }
            labels.append(String(decoding: packet[(i + 1)...(i + length)], as: UTF8.self).lowercased())
            i += 1 + length
        }
        guard i + 5 <= packet.count else { return nil }
        let type = UInt16(packet[i + 1]) << 8 | UInt16(packet[i + 2])
        return (labels.joined(separator: "."), type, i + 5)
    }

    /// A response: the query's header and question, the rcode, and the A/AAAA records matching `type`.
    private static func answer(_ reply: Reply, query: [UInt8], type: UInt16) -> [UInt8] {
        var records: [[UInt8]] = []
        var rcode: UInt8 = 0
        switch reply {
        case .nxdomain: rcode = 3
        case .servfail: rcode = 2
        case .addresses(let list):
            for text in list {
                var v4 = in_addr()
                var v6 = in6_addr()
                if type == 1, inet_pton(AF_INET, text, &v4) == 1 {
                    records.append([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + withUnsafeBytes(of: v4) { Array($0) })
                } else if type == 28, inet_pton(AF_INET6, text, &v6) == 1 {
                    records.append([0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16] + withUnsafeBytes(of: v6) { Array($0) })
                }
            }
        default: break
        }
        var message = query
        message[2] = 0x81 | (query[2] & 0x01)   // QR, opcode 0, RD copied
        message[3] = 0x80 | rcode               // RA
        message[6] = 0
        message[7] = UInt8(records.count)
        message[8...11] = [0, 0, 0, 0]
        return message + records.flatMap { $0 }
    }
}
