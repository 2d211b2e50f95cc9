// The sweep against real loopback sockets: open/closed/filtered, IPv6, no fd leak, cancellation, progress.
// Serialized: fd counts and nft rules must not interleave with another sweep of this target.
import Foundation
import Glibc
import Testing
import TestSupport
@testable import ScanEngine

extension LoopbackTests {
    @Suite("Sweep on loopback")
    struct SweepTests {
        func host(_ address: String) throws -> ScanHost {
            try #require(ScanHost(address: address))
        }

        @Test("listeners on 127.0.0.1 are open and a released port is closed")
        func openAndClosedIPv4() throws {
            let a = try LoopbackListener(behaviour: .listenOnly), b = try LoopbackListener(behaviour: .listenOnly)
            defer { a.close(); b.close() }
            let gone = try closedPort()
            let result = try Sweep().run(hosts: [host("127.0.0.1")], ports: [a.port, gone, b.port])
            let h = try #require(result.hosts.first)
            #expect(h.openPorts == [a.port, b.port].sorted())
            #expect(h.closedCount == 1)
            #expect(h.filteredPorts.isEmpty)
            #expect(h.state == .up)
            #expect(h.state(of: gone) == .closed)
            #expect(!result.cancelled)
        }

        @Test("a listener on ::1 is open over IPv6")
        func openIPv6() throws {
            let listener = try LoopbackListener(address: "::1", behaviour: .listenOnly)
            defer { listener.close() }
            let gone = try closedPort(address: "::1")
            let result = try Sweep().run(hosts: [host("::1")], ports: [listener.port, gone])
            let h = try #require(result.hosts.first)
            #expect(h.host.address == "::1")
            #expect(h.openPorts == [listener.port])
            #expect(h.closedCount == 1)
        }

        @Test("ScanHost accepts numeric addresses only and canonicalises them")
        func hostValidation() {
            #expect(ScanHost(address: "127.0.0.1")?.address == "127.0.0.1")
            #expect(ScanHost(address: "0:0:0:0:0:0:0:1")?.address == "::1")
            #expect(ScanHost(address: "localhost") == nil)
            #expect(ScanHost(address: "127.0.0.1:80") == nil)
            #expect(ScanHost(address: "") == nil)
        }

        @Test("ports that never answer are filtered, in about timeout plus half a timeout")
        func filteredSilentPorts() throws {
            let listener = try LoopbackListener(address: "127.0.0.3", behaviour: .listenOnly)
            defer { listener.close() }
            let silent = try (0..<3).map { _ in try SilentPort(address: "127.0.0.3") }
            let dropped = silent.map(\.port).sorted()
            var config = SweepConfig()
            config.probeTimeout = .milliseconds(400)
            config.minProbeTimeout = .milliseconds(100)
            let ports = dropped + [listener.port, try closedPort(address: "127.0.0.3")]
            let result = try Sweep(config: config).run(hosts: [host("127.0.0.3")], ports: ports)
            let h = try #require(result.hosts.first)
            #expect(h.filteredPorts == dropped)
            #expect(h.openPorts == [listener.port])
            #expect(h.closedCount == 1)
            #expect(result.retriesSent == dropped.count)
            #expect(result.elapsed < .milliseconds(1500))
        }

        @Test("a host's first answer shortens the wait of its probes already in flight, a refusal as much as an open port")
        func firstAnswerTightensInFlight() throws {
            let silent = try SilentPort()
            var config = SweepConfig()
            config.workers = 1
            config.probeTimeout = .milliseconds(1500)
            config.minProbeTimeout = .milliseconds(100)
            // The silent port goes out first and waits; the refusal comes back inside connect() itself.
            let result = try Sweep(config: config).run(hosts: [host("127.0.0.1")], ports: [silent.port, try closedPort()])
            let h = try #require(result.hosts.first)
            #expect(h.filteredPorts == [silent.port])
            #expect(h.closedCount == 1)
            #expect(result.retriesSent == 1)
            #expect(result.elapsed < .milliseconds(1000), "waited the untaught timeout: \(result.elapsed)")
        }

        @Test("a host that drops everything is down, every port filtered, within 2 s for 1000 ports", .needs(DropRule.unavailableReason))
        func silentHost() throws {
            let rule = try DropRule(address: "127.0.0.5")
            defer { rule.remove() }
            let ports = Array(UInt16(1)...UInt16(1000))
            let result = try Sweep().run(hosts: [host("127.0.0.5")], ports: ports)
            let h = try #require(result.hosts.first)
            #expect(h.filteredPorts == ports)
            #expect(h.state == .down)
            #expect(result.elapsed < .seconds(2))
        }

        @Test("a sweep leaves the number of open fds unchanged")
        func noFDLeak() throws {
            let listener = try LoopbackListener(behaviour: .listenOnly)
            defer { listener.close() }
            let ports = Array(UInt16(1)...UInt16(3000)) + [listener.port]
            _ = try Sweep().run(hosts: [host("127.0.0.1")], ports: [listener.port])   // warm-up: lazy runtime fds
            let before = openFDCount()
            let result = try Sweep().run(hosts: [host("127.0.0.1"), host("::1")], ports: ports)
            #expect(result.hosts.first?.openPorts.contains(listener.port) == true)
            #expect(result.probesSent >= 2 * ports.count)
            #expect(openFDCount() == before)
        }

        @Test("cancellation stops a long sweep quickly, closes its sockets and says it was cancelled")
        func cancellation() throws {
            let before = openFDCount()
            let started = Date()
            var config = SweepConfig()
            config.progressInterval = .milliseconds(100)
            let hosts = repeatElement(try host("127.0.0.1"), count: 300)   // ~20 M probes: minutes if not cancelled
            let result = try Sweep(config: config).run(
                hosts: hosts, ports: Array(1...65535),
                isCancelled: { Date().timeIntervalSince(started) > 0.3 })
            #expect(result.cancelled)
            #expect(Date().timeIntervalSince(started) < 2)
            #expect(openFDCount() == before)
        }

        @Test("a worker thread that cannot start stops the ones already running before the error is thrown")
        func failedThreadStart() throws {
            _ = try Sweep().run(hosts: [host("127.0.0.1")], ports: [1])   // warm-up: lazy runtime fds
            let before = openFDCount()
            let started = ContinuousClock.now
            let ports = Array(UInt16(1)...UInt16(65535))
            let source = WorkSource(hosts: repeatElement(try host("127.0.0.1"), count: 300), portCount: ports.count, chunkSize: 256)
            let counters = SweepCounters()
            let politeness = Politeness(perHost: nil, perScan: nil, now: MonotonicClock.now())
            let policy = RetryPolicy(retries: 1, timeout: 1_000_000_000, minTimeout: 250_000_000)
            let board = TimingBoard(tuning: CongestionTuning(), policy: policy, retryCap: 5, now: MonotonicClock.now())
            let injected = ScanEngineError("thread_failed", "injected")
            var thrown: Error?
            do {
                let workers = try (0..<2).map { _ in
                    try SweepWorker(capacity: 64, ports: ports, source: source, politeness: politeness, counters: counters,
                                    policy: policy, board: board, congestion: .automatic)
                }
                var starts = 0
                _ = try Sweep.startThreads(workers, counters: counters) { worker in
                    starts += 1
                    guard starts == 1 else { throw injected }
                    return try WorkerThread(worker: worker, counters: counters)
                }
            } catch {
                thrown = error
            }
            #expect(thrown as? ScanEngineError == injected)
            #expect(counters.workersFinished.load(ordering: .acquiring) == 1, "the started worker was stopped and joined")
            #expect(counters.portsDone.load(ordering: .relaxed) < 300 * ports.count)
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(openFDCount() == before)
        }

        @Test("progress is reported while sweeping and ends at 100 %")
        func progress() throws {
            var config = SweepConfig()
            config.progressInterval = .milliseconds(20)
            var seen: [SweepProgress] = []
            let hosts = repeatElement(try host("127.0.0.1"), count: 4)
            _ = try Sweep(config: config).run(hosts: hosts, ports: Array(1...30000), progress: { seen.append($0) })
            #expect(seen.count >= 2)
            #expect(seen.last?.percent == 100)
            #expect(seen.last?.portsTotal == 120_000)
            let fractions = seen.map(\.fraction)
            #expect(fractions == fractions.sorted())
        }

        @Test("no self-connect is reported open in the ephemeral range")
        func selfConnectTrap() throws {
            let listening = listeningPorts()
            let result = try Sweep().run(hosts: [host("127.0.0.1")], ports: Array(32768...60999))
            let open = Set(result.hosts.first?.openPorts ?? [])
            let stillListening = listeningPorts().union(listening)
            #expect(open.subtracting(stillListening).isEmpty, "open but nothing listens: \(open.subtracting(stillListening))")
        }

        @Test("the politeness limit spaces probes to one host")
        func politenessLimit() throws {
            var config = SweepConfig()
            config.probesPerSecondPerHost = 100
            let started = Date()
            _ = try Sweep(config: config).run(hosts: [host("127.0.0.1")], ports: Array(1...150))
            let elapsed = Date().timeIntervalSince(started)
            #expect(elapsed >= 0.45 && elapsed < 2)   // 100 at once, then 50 more at 100/s
        }

        /// TCP ports listening on any address (from /proc/net/tcp and tcp6, state 0A).
        func listeningPorts() -> Set<UInt16> {
            var ports = Set<UInt16>()
            for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: " ")
                    guard fields.count > 3, fields[3] == "0A", let portHex = fields[1].split(separator: ":").last,
                          let port = UInt16(portHex, radix: 16) else { continue }
                    ports.insert(port)
                }
            }
            return ports
        }
    }
}

extension LoopbackTests {
    @Test("a socket connected to itself (TCP simultaneous open) is recognised as a self-connect")
    func selfConnectDetected() throws {
        let port = try closedPort()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        let destination = try #require(SocketAddress(numeric: "127.0.0.1", port: port))
        let bound = destination.withSockaddr { bind(fd, $0, $1) == 0 }
        try #require(bound, "could not bind 127.0.0.1:\(port)")
        let connected = destination.withSockaddr { connect(fd, $0, $1) == 0 }   // connects to itself
        try #require(connected, "self-connect failed: \(String(cString: strerror(errno)))")
        #expect(isConnectedToItself(fd: fd, destination: destination))
        let listener = try LoopbackListener(behaviour: .listenOnly)
        defer { listener.close() }
        let other = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(other) }
        let target = try #require(SocketAddress(numeric: "127.0.0.1", port: listener.port))
        try #require(target.withSockaddr { connect(other, $0, $1) == 0 })
        #expect(!isConnectedToItself(fd: other, destination: target))
    }
}

extension LoopbackTests {
    @Suite("Sweep on loopback under congestion control")
    struct ManagedSweepTests {
        func config() -> SweepConfig {
            var config = SweepConfig()
            config.congestionControl = .always
            config.probeTimeout = .milliseconds(400)
            config.minProbeTimeout = .milliseconds(100)
            return config
        }

        @Test("with the windows on, listeners are open, released ports closed and silent ports filtered")
        func classification() throws {
            let listeners = try (0..<3).map { _ in try LoopbackListener(behaviour: .listenOnly) }
            defer { listeners.forEach { $0.close() } }
            let silent = try SilentPort()
            let closed = Array(Set(try (0..<200).map { _ in try closedPort() }))
            let host = try #require(ScanHost(address: "127.0.0.1"))
            let before = openFDCount()
            let result = try Sweep(config: config()).run(hosts: [host], ports: listeners.map(\.port) + closed + [silent.port])
            let h = try #require(result.hosts.first)
            #expect(h.openPorts == listeners.map(\.port).sorted())
            #expect(h.filteredPorts == [silent.port])
            #expect(h.closedCount == closed.count)
            #expect(h.notes.isEmpty)
            #expect(h.roundTrip != nil)
            #expect(openFDCount() == before)
        }

        @Test("a path that drops a tenth of the SYNs costs retries, never an open or closed port", .needs(DropRule.unavailableReason))
        func lossyPath() throws {
            let listeners = try (0..<20).map { _ in try LoopbackListener(address: "127.0.0.6", behaviour: .listenOnly) }
            defer { listeners.forEach { $0.close() } }
            let rule = try DropRule(address: "127.0.0.6", lossPercent: 10)
            defer { rule.remove() }
            let open = Set(listeners.map(\.port))
            var ports = Array(UInt16(20000)...UInt16(21999)).filter { !open.contains($0) }
            ports += open
            let result = try Sweep(config: config()).run(hosts: [try #require(ScanHost(address: "127.0.0.6"))], ports: ports)
            let h = try #require(result.hosts.first)
            #expect(h.openPorts == open.sorted())
            #expect(h.filteredCount <= 1, "adaptive retries find the closed ports: \(h.filteredCount) filtered")
            #expect(result.retriesSent >= 100)
        }

        @Test("a dozen hosts are swept side by side, each in its own window, results in the callers' order")
        func manyHosts() throws {
            let hosts = try (10..<22).map { try #require(ScanHost(address: "127.0.0.\($0)")) }
            let listener = try LoopbackListener(address: "127.0.0.15", behaviour: .listenOnly)
            defer { listener.close() }
            let result = try Sweep(config: config()).run(hosts: hosts, ports: Array(UInt16(30000)...UInt16(30499)) + [listener.port])
            #expect(result.hosts.map(\.host) == hosts)
            #expect(result.hosts.map(\.openCount) == hosts.map { $0.address == "127.0.0.15" ? 1 : 0 })
            #expect(result.hosts.allSatisfy { $0.filteredCount == 0 && $0.state == .up })
        }
    }
}
