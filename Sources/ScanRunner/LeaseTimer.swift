// The local side of a lease, as a state machine with the clock as a parameter (tests pass instants,
// no sleeps). It says when to heartbeat and when the lease must be presumed lost: the expiry counts
// from when the last successful heartbeat was SENT, so a slow answer never stretches it.
// The database stays the authority: every write is fenced there too (LeaseFence).
public struct LeaseTimer: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum State: Sendable, Equatable { case held, lost }
    public enum Action: Sendable, Equatable {
        /// Nothing to do yet.
        case wait
        /// Time to extend the lease.
        case heartbeat
        /// The lease is gone (expired locally or rejected by the database): stop, write nothing.
        case stop
    }

    public let duration: Duration
    public let heartbeatInterval: Duration
    public private(set) var state: State = .held
    public private(set) var expiresAt: Instant
    private var renewedAt: Instant

    /// A lease just granted by a claim sent at `claimedAt`.
    public init(claimedAt: Instant, duration: Duration, heartbeatInterval: Duration) {
        self.duration = duration
        self.heartbeatInterval = heartbeatInterval
        expiresAt = claimedAt + duration
        renewedAt = claimedAt
    }

    /// What to do at `now`. Reaching the local expiry without a renewal loses the lease for good.
    public mutating func action(at now: Instant) -> Action {
        guard state == .held else { return .stop }
        if now >= expiresAt {
            state = .lost
            return .stop
        }
        return now - renewedAt >= heartbeatInterval ? .heartbeat : .wait
    }

    /// The database accepted a heartbeat sent at `sentAt`.
    public mutating func renewed(sentAt: Instant) {
        guard state == .held else { return }
        renewedAt = sentAt
        expiresAt = max(expiresAt, sentAt + duration)
    }

    /// The fenced write matched no row: someone else owns the scan, or it was cancelled or deleted.
    public mutating func rejected() { state = .lost }
}

/// Poll delay when idle: starts at `minimum`, doubles per empty poll up to `maximum`, resets on work.
public struct PollBackoff: Sendable {
    public let minimum: Duration
    public let maximum: Duration
    public private(set) var current: Duration

    public init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
        current = minimum
    }

    /// The delay to wait now; the next one is twice as long (capped).
    public mutating func nextDelay() -> Duration {
        let delay = current
        current = min(maximum, current * 2)
        return delay
    }

    public mutating func reset() { current = minimum }
}
