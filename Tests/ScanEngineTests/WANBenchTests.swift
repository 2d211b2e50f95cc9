// Smoke tests of the WAN bench itself (scripts/wan-bench via TestSupport's WANBench): plain
// connects through the emulated link get the answers the ground truth promises, ~80 ms apart.
// Traps: root only; when not root the suite is skipped with the reason printed, never passed.
// With 1 % loss each way one SYN in ~50 is lost (a 1 s retransmission): timings take the fastest
// of several attempts.
import Foundation
import Testing
import TestSupport

extension LoopbackTests {
    @Suite("WAN bench", .serialized,
           .enabled(if: WANBench.unavailableReason == nil, Comment(rawValue: WANBench.unavailableReason ?? "")))
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
