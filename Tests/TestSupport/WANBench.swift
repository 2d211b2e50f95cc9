// A WAN test bench for tests: brings one up with scripts/wan-bench (a namespace behind an emulated
// ~80 ms, lossy, optionally congested link), reads its ground truth, changes it, takes it down.
// Traps: root only (check `WANBench.unavailableReason` in an `.enabled(if:_:)` trait so the skip says
// why); several benches may run at once, so use the addresses this instance reports, never fixed
// ones; `down()` is idempotent and also runs on deinit, but call it in a defer.

import Foundation
import Glibc

public final class WANBench: @unchecked Sendable {
    /// Link parameters, each way (`scripts/wan-bench up`'s flags).
    public struct Link: Sendable {
        public var delayMs = 40.0, jitterMs = 2.0, lossPercent = 1.0
        public var ratePerSecond: Int? = nil, queuePackets = 300
        public init(delayMs: Double = 40, jitterMs: Double = 2, lossPercent: Double = 1,
                    ratePerSecond: Int? = nil, queuePackets: Int = 300) {
            self.delayMs = delayMs; self.jitterMs = jitterMs; self.lossPercent = lossPercent
            self.ratePerSecond = ratePerSecond; self.queuePackets = queuePackets
        }
        /// ~80 ms RTT, 1 % loss each way.
        public static let lossy = Link()
        /// The same behind a 5,000 packets/s drop-tail bottleneck with a 300-packet queue.
        public static let bottleneck = Link(ratePerSecond: 5000, queuePackets: 300)
        /// 80 ms RTT, nothing lost.
        public static let clean = Link(lossPercent: 0)

        var flags: [String] {
            var flags = ["--delay", "\(delayMs)", "--jitter", "\(jitterMs)", "--loss", "\(lossPercent)"]
            if let ratePerSecond { flags += ["--rate", "\(ratePerSecond)", "--queue", "\(queuePackets)"] }
            return flags
        }
    }

    /// The hosts of a bench (their addresses differ per instance: read them from `truth`).
    public enum Role: String, CaseIterable, Sendable {
        case closed, dropping, prohibited, rstlimit, tarpit, tls, rotate1, rotate2, rotate3
    }

    public let instance: Int
    /// WAN_BENCH_* values of the bench's env file (addresses of every role, DNS server, truth path).
    public let environment: [String: String]
    private let lock = NSLock()
    private var isUp = true

    /// Why a bench cannot be made here, or nil when it can be tried.
    public static var unavailableReason: String? {
        guard geteuid() == 0 else { return "the WAN bench needs root (network namespaces, TUN devices, nft)" }
        guard access("/dev/net/tun", R_OK | W_OK) == 0 else { return "the WAN bench needs /dev/net/tun" }
        for tool in ["ip", "nft", "gcc", "openssl", "python3"] where !onPath(tool) {
            return "the WAN bench needs \(tool) on PATH"
        }
        guard access(script, X_OK) == 0 else { return "\(script) is missing" }
        return nil
    }

    static var script: String { TestStack.projectDirectory + "/scripts/wan-bench" }

    /// Brings a new bench up (3–5 s). Throws with the script's output when it cannot.
    public static func up(link: Link = .lossy, seed: Int = 1, openPorts: Int = 200, dnsSlowMs: Int = 3000) throws -> WANBench {
        if let reason = unavailableReason { throw WANBenchError(reason) }
        let output = try run(["up", "--seed", "\(seed)", "--open-count", "\(openPorts)", "--dns-slow-ms", "\(dnsSlowMs)"] + link.flags)
        var environment: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("WAN_BENCH_") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
        }
        guard let instance = environment["WAN_BENCH_INSTANCE"].flatMap(Int.init) else {
            throw WANBenchError("wan-bench up printed no instance: \(output.suffix(1000))")
        }
        return WANBench(instance: instance, environment: environment)
    }

    private init(instance: Int, environment: [String: String]) {
        self.instance = instance
        self.environment = environment
    }

    deinit { down() }

    /// The ground truth as it is now (re-read: changes rewrite it).
    public func truth() throws -> GroundTruth {
        guard let path = environment["WAN_BENCH_TRUTH"] else { throw WANBenchError("no WAN_BENCH_TRUTH") }
        return try JSONDecoder().decode(GroundTruth.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public func address(_ role: Role) -> String { environment["WAN_BENCH_\(role.rawValue.uppercased())"] ?? "" }
    /// For SKANNR_SCANNER_ONLY_NETWORKS of a runner under test: this bench's hosts and nothing else.
    public var networks: String { environment["WAN_BENCH_NETWORKS"] ?? "" }
    public var deadAddresses: [String] { (environment["WAN_BENCH_DEAD"] ?? "").split(separator: ",").map(String.init) }
    public var dnsServer: (address: String, port: UInt16) {
        (environment["WAN_BENCH_DNS_SERVER"] ?? "", UInt16(environment["WAN_BENCH_DNS_PORT"] ?? "") ?? 53)
    }

    // Changes while up (each waits until the namespace's rules and listeners follow the truth).
    public func openPort(_ port: UInt16, on role: Role) throws { try Self.run(["open", "\(instance)", role.rawValue, "\(port)"]) }
    public func closePort(_ port: UInt16, on role: Role) throws { try Self.run(["close", "\(instance)", role.rawValue, "\(port)"]) }
    /// The host drops everything, both ways, until `bringUp`.
    public func takeDown(_ role: Role) throws { try Self.run(["host-down", "\(instance)", role.rawValue]) }
    public func bringUp(_ role: Role) throws { try Self.run(["host-up", "\(instance)", role.rawValue]) }
    /// Restarts the link with other parameters (packets in flight are lost, as on a real re-route).
    public func setLink(_ link: Link) throws { try Self.run(["link", "\(instance)"] + link.flags) }

    /// Removes the namespace, link, processes and routes (the 198.18.0.0/15 blackhole stays).
    public func down() {
        lock.lock()
        defer { lock.unlock() }
        guard isUp else { return }
        isUp = false
        _ = try? Self.run(["down", "\(instance)"])
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let result = try Shell.execute(script, arguments, timeout: 120)
        guard result.status == 0 else { throw WANBenchError("wan-bench \(arguments.joined(separator: " ")) exited \(result.status): \(result.output.suffix(2000))") }
        return result.output
    }

    static func onPath(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(tool)", X_OK) == 0 }
    }
}

public struct WANBenchError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// scripts/lib/wan-hosts.py's ground truth (truth.json): what every port of every host must be.
public struct GroundTruth: Decodable, Sendable {
    public struct Host: Decodable, Sendable {
        public let role: String
        public let address: String
        public let open: [UInt16]
        /// Inclusive port ranges that answer nothing useful (dropped or ICMP admin-prohibited).
        public let filtered: [[UInt16]]
        /// The state of every other port: "closed", "filtered" or (tarpit) "open".
        public let `default`: String
        public let down: Bool
        public let tls: Bool?
        public let rstLimitPerSecond: Int?

        enum CodingKeys: String, CodingKey {
            case role, address, open, filtered, `default`, down, tls
            case rstLimitPerSecond = "rst_limit_per_second"
        }

        /// "open", "closed" or "filtered": what a correct scanner reports for `port`.
        public func state(of port: UInt16) -> String {
            if down { return "filtered" }
            if open.contains(port) { return "open" }
            if filtered.contains(where: { $0.count == 2 && $0[0] <= port && port <= $0[1] }) { return "filtered" }
            return self.default
        }
    }

    public struct DNS: Decodable, Sendable {
        public let server: String
        public let port: UInt16
        public let zone: String
        /// name -> addresses, one per role: "closed.wan.test" -> ["198.18.N.10"].
        public let names: [String: [String]]
        /// One address per query, in turn among `rotatingAddresses`.
        public let rotating: String
        public let rotatingAddresses: [String]
        /// Every rotating address, in an order that turns with each query.
        public let rotatingAll: String
        public let slow: String
        public let slowDelayMs: Int
        public let slowAddress: String
        /// Answers SERVFAIL.
        public let failing: String

        enum CodingKeys: String, CodingKey {
            case server, port, zone, names, rotating, slow, failing
            case rotatingAddresses = "rotating_addresses", rotatingAll = "rotating_all"
            case slowDelayMs = "slow_delay_ms", slowAddress = "slow_address"
        }
    }

    public let instance: Int
    public let portRange: [UInt16]
    public let networks: [String]
    public let scannerSource: String
    public let hosts: [String: Host]
    public let dead: [String]
    public let dns: DNS

    enum CodingKeys: String, CodingKey {
        case instance, networks, hosts, dead, dns
        case portRange = "port_range", scannerSource = "scanner_source"
    }

    public func host(_ role: WANBench.Role) -> Host? { hosts[role.rawValue] }
}

/// One plain TCP connect through the link, for tests that check what the bench answers.
public enum ConnectOutcome: Equatable, Sendable {
    case open(milliseconds: Double)
    case refused(milliseconds: Double)
    case silent
    case failed(errno: Int32)

    /// Non-blocking connect to an IPv4 address, waiting at most `timeout` seconds for an answer.
    public static func probe(_ address: String, _ port: UInt16, timeout: Double = 2) -> ConnectOutcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failed(errno: errno) }
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else { return .failed(errno: EINVAL) }
        let started = DispatchTime.now().uptimeNanoseconds
        let status = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if status != 0 && errno != EINPROGRESS { return .failed(errno: errno) }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return .silent }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        switch error {
        case 0: return .open(milliseconds: elapsed)
        case ECONNREFUSED: return .refused(milliseconds: elapsed)
        default: return .failed(errno: error)
        }
    }

    public var milliseconds: Double? {
        switch self {
        case .open(let ms), .refused(let ms): return ms
        default: return nil
        }
    }
}
