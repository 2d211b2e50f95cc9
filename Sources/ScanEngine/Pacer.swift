// Pure pacing of one host's probes: a window's worth per round trip, spread over the round trip
// instead of sent in one burst (Linux's TCP pacing: 2 × cwnd/srtt in slow start, 1.2 × after).
// Trap: without it a window refilled in bursts (the probes of a burst leave the pipe together) queues
// each burst at a bottleneck: the queue delay is real, the window is cut, and the link idles between.

struct Pacer: Equatable, Sendable {
    /// Probes that may leave back to back: ~1 ms of the rate, at least this many.
    static let minBurst: Double = 8
    static let burstTime: Double = 1_000_000
    static let slowStartGain: Double = 2
    static let avoidanceGain: Double = 1.2

    private(set) var tokens: Double = Pacer.minBurst
    private var last: UInt64

    init(now: UInt64) { last = now }

    /// Probes per nanosecond for a window of `window` probes over `roundTrip` ns.
    static func rate(window: Double, roundTrip: UInt64, slowStart: Bool) -> Double {
        (slowStart ? slowStartGain : avoidanceGain) * window / Double(max(1, roundTrip))
    }

    /// Takes one probe's place at `rate` (probes/ns; nil: no estimate yet, unpaced); false: not yet.
    mutating func take(now: UInt64, rate: Double?) -> Bool {
        guard let rate, rate > 0 else {
            last = now
            return true
        }
        let burst = max(Self.minBurst, rate * Self.burstTime)
        if now > last { tokens = min(burst, tokens + Double(now - last) * rate) }
        last = max(last, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
