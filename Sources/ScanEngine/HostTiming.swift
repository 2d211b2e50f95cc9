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
    var pacer: Pacer
    var inFlight = 0
    /// Highest try number (0 = first) that got an open or closed answer, and the same for open ports only.
    private(set) var maxSuccessfulAttempt = 0
    private(set) var maxSuccessfulOpenAttempt = 0
    /// The same, counting a try number only once two ports were answered on it (beyond the second try):
    /// one port answered on its fourth try must not send every filtered port to five.
    private(set) var confirmedAttempt = 0
    private(set) var confirmedOpenAttempt = 0
    private var answersByAttempt = [Int](repeating: 0, count: 8)
    private var openAnswersByAttempt = [Int](repeating: 0, count: 8)
    var detector: ResetLimitDetector
    /// Ports given up as filtered after silence on every try.
    private(set) var silentPorts = 0
    /// Open or closed answers, and those that needed a retransmission.
    private(set) var decisiveAnswers = 0
    private(set) var drops = 0

    init(tuning: CongestionTuning, now: UInt64) {
        window = CongestionWindow(tuning: tuning, now: now)
        detector = ResetLimitDetector(now: now)
        pacer = Pacer(now: now)
    }

    var hasRoom: Bool { inFlight < window.limit }

    /// Room in the window and a pacing token: the window's probes spread over a round trip (srtt).
    mutating func mayPace(now: UInt64) -> Bool {
        guard hasRoom else { return false }
        guard window.tuning.paces else { return true }
        let rate = rtt.samples > 0 ? Pacer.rate(window: window.cwnd, roundTrip: rtt.srtt, slowStart: window.inSlowStart) : nil
        return pacer.take(now: now, rate: rate)
    }

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
            confirmedAttempt = Self.confirm(attempt, in: &answersByAttempt, deepest: confirmedAttempt)
            if outcome.answer == .open {
                maxSuccessfulOpenAttempt = max(maxSuccessfulOpenAttempt, attempt)
                confirmedOpenAttempt = Self.confirm(attempt, in: &openAnswersByAttempt, deepest: confirmedOpenAttempt)
            }
            let flat = window.queueDelay < window.queueThreshold
            let wasLimited = detector.isLimited
            detector.answered(open: outcome.answer == .open, attempt: attempt, now: outcome.now, queueIsFlat: flat)
            if detector.isLimited && !wasLimited { window.forgiveLoss(now: outcome.now) }
        }
        let retransmitted = decisive && attempt > 0
        if decisive { decisiveAnswers += 1 }
        if retransmitted { drops += 1 }
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
        return rtt.srtt &+ UInt64(window.tuning.pipeVarFactor) &* rtt.rttvar
    }

    mutating func gaveUp() { silentPorts += 1 }

    /// A probe outlived the pipe time unanswered: its place is freed. It also grows the window, like an
    /// answer, but only on a host where most ports turn out filtered (silent on every try): there the
    /// silence is the firewall's and a window grown by answers alone would crawl. On a host that mostly
    /// answers, such a probe was most likely lost, and losses must never open the window.
    /// Returns whether the window grew (the sweep's window grows alike).
    @discardableResult
    mutating func leftPipe() -> Bool {
        release()
        guard silentPorts > decisiveAnswers else { return false }
        window.leftPipe()
        return true
    }

    /// Counts an answer on try `attempt`; the deepest try now confirmed (the second on one answer,
    /// deeper ones on two).
    private static func confirm(_ attempt: Int, in counts: inout [Int], deepest: Int) -> Int {
        let index = min(attempt, counts.count - 1)
        counts[index] += 1
        return counts[index] >= (index <= 1 ? 1 : 2) ? max(deepest, index) : deepest
    }

    /// Answering ports a host may hide among its silent ones, at most, when a port is given up:
    /// the expected number of them after all tries (see `retries`).
    static let missTolerance = 0.01

    /// Retries a silent port gets on this host. nmap raises every port's tries to one more than the
    /// deepest try that ever got an answer (max_successful_tryno): behind a lossy bottleneck one
    /// unlucky port sent 9,800 filtered ports to a fourth or fifth try (22,000–47,000 probes for
    /// 10,000 ports). Instead: the share of this host's answers that needed a retry estimates p, the
    /// chance that one try of an answering port is lost; after t tries an answering port stays silent
    /// with p^t, so with A answers the silent ports hide about A·p^t answering ones. Tries are added
    /// until that is under `missTolerance`: 200 open ports at 2.5 % loss get 3 tries (0.003 missed),
    /// 9,800 closed ones 4 (on their few silent ports only); a host that never answered keeps
    /// `configured`. Once the host is known to limit its resets, only open ports count (a late
    /// refusal is the limiter, and more tries would only wait for it).
    func retries(configured: Int, cap: Int) -> Int {
        guard tuningUsesLossModel else { return legacyRetries(configured: configured, cap: cap) }
        let counts = detector.isLimited ? openAnswersByAttempt : answersByAttempt
        let answers = counts.reduce(0, +)
        guard answers > 0 else { return configured }
        let p = Double(answers - counts[0] + 1) / Double(answers + 2)   // Laplace: no late answer yet ≠ no loss
        var retries = configured
        while retries < cap, Double(answers) * pow(p, Double(retries + 1)) >= Self.missTolerance { retries += 1 }
        return retries
    }

    var tuningUsesLossModel: Bool { window.tuning.triesFromLoss }

    private func legacyRetries(configured: Int, cap: Int) -> Int {
        let deepest = detector.isLimited ? confirmedOpenAttempt : confirmedAttempt
        var wanted = deepest > 0 ? deepest + 1 : 0
        if window.tuning.episodeTries, window.recentDrops >= window.tuning.minDropsForCut,
           window.recentDrops > window.tuning.lossTolerance * window.recentAnswers {
            wanted = max(wanted, configured) + 1
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
