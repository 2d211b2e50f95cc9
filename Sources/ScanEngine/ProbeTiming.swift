// Pure per-host timing decisions: an RTT estimator (RFC 6298 style) that shortens timeouts for hosts
// that answer, and the retry rule. Trap: a host that never answered keeps the full configured timeout.
import Glibc

/// Smoothed round-trip time of a host's answered connects, in nanoseconds.
struct RTTEstimator: Equatable {
    private(set) var srtt: UInt64 = 0
    private(set) var rttvar: UInt64 = 0
    private(set) var samples = 0

    mutating func add(sample rtt: UInt64) {
        if samples == 0 {
            srtt = rtt
            rttvar = rtt / 2
        } else {
            let diff = srtt > rtt ? srtt - rtt : rtt - srtt
            rttvar = (3 * rttvar + diff) / 4
            srtt = (7 * srtt + rtt) / 8
        }
        samples += 1
    }

    /// srtt + 4·rttvar clamped to [floor, ceiling]; `ceiling` until the host has answered once.
    func timeout(floor: UInt64, ceiling: UInt64) -> UInt64 {
        guard samples > 0 else { return ceiling }
        return min(ceiling, max(floor, srtt &+ 4 &* rttvar))
    }
}

/// When a probe's deadline passes: retry it (with a shorter wait) or call the port filtered.
struct RetryPolicy: Equatable {
    let retries: Int
    let timeout: UInt64
    let minTimeout: UInt64

    enum Decision: Equatable {
        case retry(timeout: UInt64)
        case filtered
    }

    /// `attempt` counts from 0 for the first probe.
    func onTimeout(attempt: Int, host: RTTEstimator) -> Decision {
        guard attempt < retries else { return .filtered }
        return .retry(timeout: timeoutFor(attempt: attempt + 1, host: host))
    }

    /// First probes wait the host's adaptive timeout; retries wait at most half the configured one:
    /// a SYN lost once is rarely lost twice, and this keeps a silent host's sweep under 1.5 × timeout.
    func timeoutFor(attempt: Int, host: RTTEstimator) -> UInt64 {
        let ceiling = attempt == 0 ? timeout : max(minTimeout, timeout / 2)
        return host.timeout(floor: min(minTimeout, ceiling), ceiling: ceiling)
    }
}

/// What a finished connect() says about the port (errno 0 = the handshake completed).
enum ConnectVerdict: Equatable {
    case open
    case closed
    /// Unreachable, prohibited: final, no retry.
    case filtered
    /// Our side ran out of something (fds, ephemeral ports): try the same probe again later.
    case localResource

    init(errno err: Int32) {
        switch err {
        case 0: self = .open
        case ECONNREFUSED: self = .closed
        case EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAGAIN: self = .localResource
        default: self = .filtered   // EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, EACCES, EPERM, ...
        }
    }
}
