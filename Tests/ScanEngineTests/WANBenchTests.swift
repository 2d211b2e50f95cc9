// Smoke tests of the WAN bench itself (scripts/wan-bench via TestSupport's WANBench): plain
// connects through the emulated link get the answers the ground truth promises, ~80 ms apart.
// Traps: root only; when not root the suite is skipped with the reason printed, never passed.
// With 1 % loss each way one SYN in ~50 is lost (a 1 s retransmission): timings take the fastest
// of several attempts.
import Foundation
import Glibc
import Testing
import TestSupport
@testable import ScanEngine

extension LoopbackTests {
    @Suite("WAN bench", .serialized,
           .needs(WANBench.unavailableReason))
    struct WANBenchTests {
        /// The fastest answer of `attempts` connects (a lost SYN costs a kernel retransmission).
        func fastest(_ address: String, _ port: UInt16, attempts: Int = 5) -> ConnectOutcome {
            var best = ConnectOutcome.silent
            for _ in 0..<attempts {
                let outcome = ConnectOutcome.probe(address, port, timeout: 3)
                if let ms = outcome.milliseconds, ms < best.milliseconds ?? .infinity { best = outcome }
            }
            return best
        }

        @Test("an open and a closed port of the closed host answer through the link, ~80 ms away")
        func openAndClosedThroughTheLink() throws {
            let bench = try WANBench.up()
            defer { bench.down() }
            let host = try #require(try bench.truth().host(.closed))
            let openPort = try #require(host.open.first)
            let closedPort = try #require((1...UInt16(10000)).first { host.state(of: $0) == "closed" })

            let open = fastest(host.address, openPort)
            let closed = fastest(host.address, closedPort)
            guard case .open(let openMs) = open else { Issue.record("open port \(openPort): \(open)"); return }
            guard case .refused(let closedMs) = closed else { Issue.record("closed port \(closedPort): \(closed)"); return }
            // 40 ms each way ± 2 ms of jitter: never under 76 ms; the upper bound leaves room for a busy machine.
            #expect((75...400).contains(openMs), "RTT to an open port: \(openMs) ms")
            #expect((75...400).contains(closedMs), "RTT to a closed port: \(closedMs) ms")
        }

        @Test("the dropping host is silent on a closed port and answers on an open one")
        func droppingHost() throws {
            let bench = try WANBench.up(link: .clean)
            defer { bench.down() }
            let host = try #require(try bench.truth().host(.dropping))
            let openPort = try #require(host.open.first)
            let filteredPort = try #require((1...UInt16(10000)).first { host.state(of: $0) == "filtered" })
            #expect(fastest(host.address, openPort, attempts: 1).milliseconds != nil)
            #expect(ConnectOutcome.probe(host.address, filteredPort, timeout: 1) == .silent)
        }

        @Test("a port opened on a host answers, and a host taken down is silent until brought back")
        func changesWhileUp() throws {
            let bench = try WANBench.up(link: .clean)
            defer { bench.down() }
            let before = try #require(try bench.truth().host(.closed))
            let extra = try #require((1...UInt16(10000)).first { before.state(of: $0) == "closed" })
            try bench.openPort(extra, on: .closed)
            #expect(try bench.truth().host(.closed)?.state(of: extra) == "open")
            if case .open = ConnectOutcome.probe(before.address, extra, timeout: 3) {} else {
                Issue.record("the opened port \(extra) does not accept")
            }
            try bench.takeDown(.closed)
            #expect(try bench.truth().host(.closed)?.down == true)
            #expect(ConnectOutcome.probe(before.address, extra, timeout: 1) == .silent)
            try bench.bringUp(.closed)
            #expect(ConnectOutcome.probe(before.address, extra, timeout: 3).milliseconds != nil)
        }

        @Test("the TLS host hands out the certificate the bench made, through the link")
        func tlsHost() throws {
            let bench = try WANBench.up(link: .clean)
            defer { bench.down() }
            let host = try #require(try bench.truth().host(.tls))
            let cert = try #require(bench.environment["WAN_BENCH_TLS_CERT"])
            let openssl = try run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"])
            let expected = openssl.output.trimmingCharacters(in: .whitespacesAndNewlines)
                .split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased() }
            let targets = host.open.prefix(3).map { TLSProbe.Target(host: host.address, port: $0, serverName: nil) }
            for (target, outcome) in zip(targets, TLSProbe.probeAll(Array(targets), timeout: .seconds(5))) {
                guard case .tls(let facts) = outcome else { Issue.record("port \(target.port): \(outcome)"); continue }
                #expect(facts.fingerprintSHA256 == expected)
            }
        }

        @Test("the bench's DNS server rotates, fails and delays the names its truth lists")
        func dnsNames() throws {
            let bench = try WANBench.up(link: .clean, dnsSlowMs: 500)
            defer { bench.down() }
            let dns = try bench.truth().dns
            let server = bench.dnsServer
            #expect(try DNSQuery.ask(server, "closed.\(dns.zone)").addresses == [bench.address(.closed)])
            let turns = try (0..<3).map { _ in try DNSQuery.ask(server, dns.rotating).addresses }
            #expect(Set(turns.flatMap { $0 }) == Set(dns.rotatingAddresses), "answers: \(turns)")
            #expect(turns.allSatisfy { $0.count == 1 })
            #expect(try DNSQuery.ask(server, dns.failing).rcode == 2)
            #expect(try DNSQuery.ask(server, "nothing.\(dns.zone)").rcode == 3)
            let slow = try DNSQuery.ask(server, dns.slow)
            #expect(slow.addresses == [dns.slowAddress])
            #expect(slow.milliseconds >= 500, "the slow name answered after \(slow.milliseconds) ms")
        }

        @Test("once the bench is down its addresses are blackholed: a connect fails at once, nothing leaves")
        func blackholedWhenDown() throws {
            let bench = try WANBench.up(link: .clean)
            let address = bench.address(.closed)
            bench.down()
            let outcome = ConnectOutcome.probe(address, 80, timeout: 2)
            guard case .failed(let code) = outcome else { Issue.record("connect to \(address) after down: \(outcome)"); return }
            #expect(code == EINVAL || code == ENETUNREACH, "errno \(code)")
        }
    }
}

/// One A query over UDP (enough to check the bench's own DNS server; not a resolver).
enum DNSQuery {
    static func ask(_ server: (address: String, port: UInt16), _ name: String, timeout: Double = 5) throws
        -> (rcode: Int, addresses: [String], milliseconds: Double) {
        var query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { query.append(UInt8(label.utf8.count)); query += Array(label.utf8) }
        query += [0, 0, 1, 0, 1]
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = server.port.bigEndian
        inet_pton(AF_INET, server.address, &sin.sin_addr)
        let started = DispatchTime.now().uptimeNanoseconds
        let sent = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard sent == query.count else { throw TestFailure("sendto: \(errno)") }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { throw TestFailure("no answer for \(name)") }
        var answer = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &answer, answer.count, 0)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        guard count >= 12 else { throw TestFailure("short answer for \(name)") }
        // The bench's answers are the question then A records of 16 bytes each (name pointer, type,
        // class, TTL, length, address): the addresses are the last 4 bytes of each record.
        let records = Int(answer[6]) << 8 | Int(answer[7])
        let addresses = (0..<records).map { i -> String in
            let end = count - 16 * (records - 1 - i)
            return answer[(end - 4)..<end].map(String.init).joined(separator: ".")
        }
        return (Int(answer[3] & 0x0f), addresses, elapsed)
    }
}
