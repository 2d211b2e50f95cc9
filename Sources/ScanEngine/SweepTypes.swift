// The values a sweep takes and returns: hosts, configuration, progress and per-host results.
// Trap: ScanHost only accepts numeric addresses (names go through Resolver first), so a sweep never resolves.
import Glibc

/// The state of one TCP port, as the API contract defines it.
public enum PortState: String, Sendable, Hashable {
    /// The TCP handshake completed.
    case open
    /// The host answered with a reset (ECONNREFUSED).
    case closed
    /// No answer within the timeout after retries, or an ICMP unreachable.
    case filtered
}

/// One address to sweep: a numeric IPv4 or IPv6 address, kept in canonical text form.
public struct ScanHost: Sendable, Hashable, CustomStringConvertible {
    public let address: String

    /// Fails unless `address` is a numeric IPv4 or IPv6 address (no names, no ports, no zone ids).
    public init?(address: String) {
        guard let parsed = SocketAddress(numeric: address, port: 0) else { return nil }
        self.address = parsed.host
    }

    public var description: String { address }
}

/// How a sweep behaves. Every setting has a default that saturates this kind of machine.
public struct SweepConfig: Sendable {
    /// Probes (sockets) in flight across all worker threads; capped by RLIMIT_NOFILE, which the sweep raises.
    public var maxInFlight: Int = 4096
    /// How long the first probe of a port waits for an answer before the host's answers teach it better.
    public var probeTimeout: Duration = .milliseconds(1000)
    /// Floor of the adaptive timeout learnt from a host's round-trip times.
    public var minProbeTimeout: Duration = .milliseconds(250)
    /// How many times an unanswered probe is retried (a retry waits at most half of `probeTimeout`).
    public var retries: Int = 1
    /// Politeness: probes per second to one host (nil = unlimited).
    public var probesPerSecondPerHost: Int? = nil
    /// Politeness: probes per second for the whole sweep (nil = unlimited).
    public var probesPerSecond: Int? = nil
    /// How often the progress callback runs (and, at most, how long cancellation goes unnoticed).
    public var progressInterval: Duration = .seconds(1)
    /// Worker threads, each with its own epoll instance; the ports are shared out in chunks.
    public var workers: Int = SweepConfig.defaultWorkers
    /// Congestion control (windows per host and per sweep, adaptive retries, reset-limit detection).
    public var congestionControl: CongestionControl = .automatic
    /// Most retries a silent port gets when the host's answers show a lossy path (never fewer than `retries`).
    public var maxAdaptiveRetries: Int = 5
    /// Ports and hosts are probed in random order (no 1, 2, 3… march for an IDS to see).
    public var randomOrder = true

    public init() {}

    public static var defaultWorkers: Int {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return max(1, min(cores, 4))
    }
}

/// Which hosts the congestion control governs.
public enum CongestionControl: String, Sendable {
    /// Every host except loopback ones (127.0.0.0/8, ::1): there is no link there to congest, and
    /// loopback sweeps keep their speed (answers come back inside connect() itself).
    case automatic
    /// Every host, loopback included (tests, benchmarks of the machinery itself).
    case always
    /// No host: every probe may go out at once (the engine before issue 14; for comparison only).
    case off

    func manages(_ address: SocketAddress) -> Bool {
        switch self {
        case .always: return true
        case .off: return false
        case .automatic: return !address.isLoopback
        }
    }
}

extension SocketAddress {
    /// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
    var isLoopback: Bool {
        let bytes = addressBytes
        if family == AF_INET { return bytes.first == 127 }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
        return bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
    }
}

/// Something the sweep noticed about a host that the port states alone do not say.
public struct HostNote: Sendable, Equatable, CustomStringConvertible {
    /// Stable identifier, e.g. `resets_rate_limited`.
    public let code: String
    public let message: String
    public var description: String { "\(code): \(message)" }
}

/// Progress of a running sweep; `fraction` is 0...1 of the probes expected.
public struct SweepProgress: Sendable, Equatable {
    public let portsDone: Int
    public let portsTotal: Int
    public var fraction: Double {
        portsTotal <= 0 ? 1 : min(1, Double(portsDone) / Double(portsTotal))
    }
    public var percent: Int { Int((fraction * 100).rounded(.down)) }
}

public enum HostState: String, Sendable {
    /// At least one port answered (open or closed).
    case up
    case down
}

/// What one host answered: open and filtered ports listed, closed ones counted.
/// Ports are kept compactly (PortSet); `openPorts`/`filteredPorts` build sorted arrays on each access.
public struct HostSweepResult: Sendable, Equatable {
    public let host: ScanHost
    let open: PortSet
    let filtered: PortSet
    public let closedCount: Int
    /// What the sweep noticed about the host (e.g. `resets_rate_limited`: some filtered ports may be closed).
    public let notes: [HostNote]
    /// Smoothed round-trip time of the host's answers (nil: none, or a loopback host).
    public let roundTrip: Duration?

    init(host: ScanHost, open: PortSet, filtered: PortSet, closedCount: Int, notes: [HostNote] = [], roundTrip: Duration? = nil) {
        self.host = host
        self.open = open
        self.filtered = filtered
        self.closedCount = closedCount
        self.notes = notes
        self.roundTrip = roundTrip
    }

    public var openPorts: [UInt16] { open.sorted() }
    public var filteredPorts: [UInt16] { filtered.sorted() }
    public var openCount: Int { open.count }
    public var filteredCount: Int { filtered.count }
    public var state: HostState { open.count == 0 && closedCount == 0 ? .down : .up }

    public func state(of port: UInt16) -> PortState {
        if open.contains(port) { return .open }
        if filtered.contains(port) { return .filtered }
        return .closed
    }
}

public struct SweepResult: Sendable {
    /// One entry per host, in the order the hosts sequence produced them.
    public let hosts: [HostSweepResult]
    public let probesSent: Int
    public let retriesSent: Int
    /// Times a congestion window (a host's or the sweep's) was cut.
    public let windowCuts: Int
    /// True when `isCancelled` stopped the sweep: the results are then partial.
    public let cancelled: Bool
    public let elapsed: Duration
}

/// An error that stopped a sweep before it could run.
public struct ScanEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func errno(_ code: String, _ call: String, _ err: Int32) -> ScanEngineError {
        ScanEngineError(code, "\(call): \(String(cString: strerror(err)))")
    }

    public var description: String { "\(code): \(message)" }
}
