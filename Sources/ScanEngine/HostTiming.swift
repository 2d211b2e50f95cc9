// Pure per-host timing of a sweep: congestion window, round-trip estimate, adaptive tries and the
// reset-limit detector, plus the sweep-wide (group) window and estimate; clock passed in.
// Traps: a connect() socket retransmits an unanswered SYN by itself after ~1 s, so a later answer may be
// to that copy (no RTT sample, counts as a drop); an ICMP answer on a retry changes no verdict, so it
// raises neither the tries nor the loss count.

/// What a finished probe tells the timing: its verdict class, try number and times.
struct ProbeOutcome: Equatable, Sendable {
    enum Answer: Equatable, Sendable { case open, closed, unreachable }
    let answer: Answer
    let attempt: Int
    let sentAt: UInt64
    let now: UInt64
}

struct HostTiming: Equatable, Sendable {
    /// The kernel's initial SYN retransmission timeout (TCP_TIMEOUT_INIT).
    static let kernelRetransmitAfter: UInt64 = 1_000_000_000

    var window: CongestionWindow
    var rtt = RTTEstimator()
    var inFlight = 0
    /// Highest try number (0 = first) that got an open or closed answer, and the same for open ports only.
    private(set) var maxSuccessfulAttempt = 0
    private(set) var maxSuccessfulOpenAttempt = 0
    var detector: ResetLimitDetector
    /// Ports given up as filtered after silence on every try.
    private(set) var silentPorts = 0
    private(set) var drops = 0

    init(tuning: CongestionTuning, now: UInt64) {
        window = CongestionWindow(tuning: tuning, now: now)
        detector = ResetLimitDetector(now: now)
    }

    var hasRoom: Bool { inFlight < window.limit }

    mutating func sent(now: UInt64) {
        inFlight += 1
        detector.sent(now: now)
    }

    /// Feeds one answer; returns the RTT sample it gave (nil: none, ambiguous or not an answer).
    @discardableResult
    mutating func answered(_ outcome: ProbeOutcome) -> UInt64? {
        inFlight = max(0, inFlight - 1)
        let elapsed = outcome.now &- outcome.sentAt
        let byKernelRetransmit = elapsed >= Self.kernelRetransmitAfter
        let attempt = outcome.attempt + (byKernelRetransmit ? 1 : 0)
        let sample: UInt64? = byKernelRetransmit ? nil : elapsed
        if let sample { rtt.add(sample: sample) }
        let decisive = outcome.answer != .unreachable
        if decisive {
            maxSuccessfulAttempt = max(maxSuccessfulAttempt, attempt)
            if outcome.answer == .open { maxSuccessfulOpenAttempt = max(maxSuccessfulOpenAttempt, attempt) }
            let flat = window.queueDelay < window.queueThreshold
            let wasLimited = detector.isLimited
            detector.answered(open: outcome.answer == .open, attempt: attempt, now: outcome.now, queueIsFlat: flat)
            if detector.isLimited && !wasLimited { window.forgiveLoss(now: outcome.now) }
        }
        let retransmitted = decisive && attempt > 0
        if retransmitted { drops += 1 }
        // Once the host is known to limit its resets, a refusal that needed a retry is that limit, not the path.
        let congestive = !(detector.isLimited && outcome.answer == .closed)
        window.answered(sentAt: outcome.sentAt, now: outcome.now, rtt: sample, retransmitted: retransmitted,
                        lossIsCongestion: congestive)
        return sample
    }

    mutating func timedOut() {
        inFlight = max(0, inFlight - 1)
        window.timedOut()
    }

    /// A probe that never reached the wire (local shortage): it gives back its place and says nothing.
    mutating func withdrawn() {
        inFlight = max(0, inFlight - 1)
    }

    mutating func gaveUp() { silentPorts += 1 }

    /// Retries a silent port gets on this host: the configured number, or one more than the deepest try
    /// that has worked here (nmap's max_successful_tryno), up to `cap`. Once the host is known to limit
    /// its resets, only open ports' late answers count (more tries would only wait for the limiter).
    func retries(configured: Int, cap: Int) -> Int {
        let deepest = detector.isLimited ? maxSuccessfulOpenAttempt : maxSuccessfulAttempt
        return max(configured, min(cap, deepest + 1 > 1 ? deepest + 1 : 0))
    }

    /// What the result should say about this host's timing, if anything.
    func notes() -> [HostNote] {
        guard let rate = detector.detectedRate else { return [] }
        return [HostNote(code: "resets_rate_limited",
                         message: "the host rate-limits its TCP resets (about \(rate)/s): \(silentPorts) ports that stayed silent are reported filtered and may be closed")]
    }
}
