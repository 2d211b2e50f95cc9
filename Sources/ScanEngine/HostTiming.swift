// Pure per-host timing of a sweep: congestion window, round-trip estimate, adaptive tries and the
// reset-limit detector, plus the sweep-wide (group) window and estimate; clock passed in.
// Traps: a connect() socket retransmits an unanswered SYN by itself after ~1 s, so a later answer may be
// to that copy (no RTT sample, counts as a drop); an ICMP answer on a retry changes no verdict, so it
// raises neither the tries nor the loss count.

/// What a finished probe tells the timing: its verdict class, try number and times.
import Glibc

struct ProbeOutcome: Equatable, Sendable {
    enum Answer: Equatable, Sendable { case open, closed, unreachable }
    let answer: Answer
    let attempt: Int
    let sentAt: UInt64
    let now: UInt64
    /// For a retry: when the try that got no answer went out. The loss happened then, not at `sentAt`.
    var lostTryAt: UInt64? = nil
}

extension ProbeOutcome {
    /// When the lost packet went out: the previous try, or this one when the kernel resent its SYN.
    var lossTime: UInt64 { lostTryAt ?? sentAt }
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
    /// Open or closed answers, and those of them that needed a retransmission; the same for open only.
    private(set) var decisiveAnswers = 0
    private(set) var drops = 0
    private(set) var openAnswers = 0
    private(set) var openDrops = 0

    init(tuning: CongestionTuning, now: UInt64) {
        window = CongestionWindow(tuning: tuning, now: now)
        detector = ResetLimitDetector(now: now)
    }

    var hasRoom: Bool { inFlight < window.limit }

    mutating func sent(now: UInt64) {
        inFlight += 1
        detector.sent(now: now)
    }

    /// The probe no longer counts against the window (answered, timed out, withdrawn, or left the pipe).
    mutating func release() {
        inFlight = max(0, inFlight - 1)
    }

    /// Feeds one answer; returns the RTT sample it gave (nil: none, ambiguous or not an answer).
    /// The probe's window place is released separately (`release`): it may have been already.
    @discardableResult
    mutating func answered(_ outcome: ProbeOutcome) -> UInt64? {
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
        if decisive { decisiveAnswers += 1 }
        if retransmitted { drops += 1 }
        if outcome.answer == .open {
            openAnswers += 1
            if retransmitted { openDrops += 1 }
        }
        // Once the host is known to limit its resets, a refusal that needed a retry is that limit, not the path.
        let congestive = !(detector.isLimited && outcome.answer == .closed)
        window.answered(sentAt: outcome.sentAt, now: outcome.now, rtt: sample, retransmitted: retransmitted,
                        lossIsCongestion: congestive, lostAt: outcome.lossTime)
        return sample
    }

    mutating func timedOut() {
        window.timedOut()
    }

    /// How long an unanswered probe counts as still in the network: srtt + 2·rttvar, with no floor (the
    /// deadline has one, against premature timeouts, and keeps waiting for a late answer). Later, it was
    /// lost or filtered and its place in the window is free. nil: no estimate yet.
    var pipeTime: UInt64? {
        guard rtt.samples > 0 else { return nil }
        return rtt.srtt &+ 2 &* rtt.rttvar
    }

    mutating func gaveUp() { silentPorts += 1 }

    /// Retries a silent port gets on this host: the configured number; one more than the deepest try
    /// that has worked here (nmap's max_successful_tryno); and enough that, at the loss per try seen
    /// here, fewer than 0.01 of the ports that answer would be lost on every try — up to `cap`. Once
    /// the host is known to limit its resets, only open ports' late answers count (more tries would
    /// only wait for the limiter).
    func retries(configured: Int, cap: Int) -> Int {
        let deepest = detector.isLimited ? maxSuccessfulOpenAttempt : maxSuccessfulAttempt
        var wanted = deepest > 0 ? deepest + 1 : 0
        let (answers, lost) = detector.isLimited ? (openAnswers, openDrops) : (decisiveAnswers, drops)
        if answers >= 20, lost > 0 {
            let loss = min(0.5, Double(lost) / Double(answers))
            let tries = (log(0.01 / Double(decisiveAnswers)) / log(loss)).rounded(.up)
            wanted = max(wanted, Int(tries) - 1)
        }
        return max(configured, min(cap, wanted))
    }

    /// What the result should say about this host's timing, if anything.
    func notes() -> [HostNote] {
        guard let rate = detector.detectedRate else { return [] }
        return [HostNote(code: "resets_rate_limited",
                         message: "the host rate-limits its TCP resets (about \(rate)/s): \(silentPorts) ports that stayed silent are reported filtered and may be closed")]
    }
}
