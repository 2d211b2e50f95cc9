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
    /// Highest try number (0 = first) that got an open or closed answer, and the same for open ports
    /// only, counting a try number beyond the second only once two ports were answered on it: one port
    /// answered on its fourth try must not send every filtered port to five.
    private(set) var confirmedAttempt = 0
    private(set) var confirmedOpenAttempt = 0
    /// Answers per try number (the last lane: that try or later). SIMD, not an array: the board updates
    /// a copy of this value under its lock on every answer, and an array would be copied on the heap.
    private var answersByAttempt = SIMD8<Int>()
    private var openAnswersByAttempt = SIMD8<Int>()
    private var openAnswers: Int { openAnswersByAttempt.wrappedSum() }
    var detector: ResetLimitDetector
    /// Ports given up as filtered after silence on every try.
    private(set) var silentPorts = 0
    /// Open or closed answers, and those that needed a retransmission.
    private(set) var decisiveAnswers = 0
    /// Ports whose first try timed out (lost or filtered): counted at once, where `silentPorts` comes
    /// only after the last try.
    private(set) var firstTriesUnanswered = 0

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
            confirmedAttempt = Self.confirm(attempt, in: &answersByAttempt, deepest: confirmedAttempt)
            if outcome.answer == .open {
                confirmedOpenAttempt = Self.confirm(attempt, in: &openAnswersByAttempt, deepest: confirmedOpenAttempt)
            }
            let flat = window.queueDelay < window.queueThreshold
            let wasLimited = detector.isLimited
            detector.answered(open: outcome.answer == .open, attempt: attempt, now: outcome.now, queueIsFlat: flat)
            if detector.isLimited && !wasLimited { window.forgiveLoss(now: outcome.now) }
        }
        let retransmitted = decisive && attempt > 0
        if decisive { decisiveAnswers += 1 }
        // Once the host is known to limit its resets, a refusal that needed a retry is that limit, not the path.
        let congestive = !(detector.isLimited && outcome.answer == .closed)
        window.answered(sentAt: outcome.sentAt, now: outcome.now, rtt: sample, retransmitted: retransmitted,
                        lossIsCongestion: congestive, lostAt: outcome.lossTime)
        return sample
    }

    mutating func timedOut(attempt: Int) {
        if attempt == 0 { firstTriesUnanswered += 1 }
        window.timedOut()
    }

    /// How long an unanswered probe counts as still in the network: srtt, when its answer would have
    /// come (the deadline, srtt + 4·rttvar with a floor, still waits for a late one). Later, it was lost
    /// or filtered and its place in the window is free. No variance margin: behind a queue rttvar jumps
    /// just as the window is cut, and srtt + 2·rttvar (up to 160 ms on an 80 ms path) held silent probes
    /// twice over, so a host with 98 % filtered ports sent at 3,300/s through a 5,000/s link. nil: no
    /// estimate yet.
    var pipeTime: UInt64? {
        guard rtt.samples > 0 else { return nil }
        return rtt.srtt
    }

    mutating func gaveUp() { silentPorts += 1 }

    /// A probe outlived the pipe time unanswered: its place is freed. It also grows the window, like an
    /// answer, but only on a host where most first tries go unanswered: there the silence is the
    /// firewall's and a window grown by answers alone would crawl. On a host that mostly answers, such
    /// a probe was most likely lost, and losses must never open the window. First tries, not ports
    /// given up after every try: those come a second late, and until then the window of a host with
    /// 98 % filtered ports stayed at its initial 256 (2,000 probes/s through a 5,000/s link).
    /// Returns whether the window grew (the sweep's window grows alike). The probe's place is released
    /// separately (`release`), as for an answer.
    @discardableResult
    mutating func leftPipe() -> Bool {
        guard firstTriesUnanswered > decisiveAnswers else { return false }
        window.leftPipe()
        return true
    }

    /// Counts an answer on try `attempt`; the deepest try now confirmed (the second on one answer,
    /// deeper ones on two).
    private static func confirm(_ attempt: Int, in counts: inout SIMD8<Int>, deepest: Int) -> Int {
        let index = min(attempt, counts.scalarCount - 1)
        counts[index] += 1
        return counts[index] >= (index <= 1 ? 1 : 2) ? max(deepest, index) : deepest
    }

    /// Retries a silent port gets on this host: the configured number, or one more than the deepest try
    /// that has worked here (nmap's max_successful_tryno; beyond the second try, on two ports), up to `cap`.
    /// Once the host is known to limit its resets, only open ports' late answers count (more tries
    /// would only wait for the limiter). On a host that mostly answers, a port is not given up during a
    /// congestion episode (recent answers needing a retransmission above the random-loss tolerance): its
    /// next try goes out once the window has shrunk — cheap there (only lost ports retry), and the tarpit
    /// behind the bottleneck lost open ports without it. On a mostly silent host that extra try would go
    /// to every filtered port (29,000 → 38,000 probes for 10,000 ports behind 5,000 packets/s). Where
    /// silence is rare, the same one try more (`silenceIsRare`).
    /// (Tried and dropped: sizing the tries from the loss ratio, the expected number of answering ports
    /// left among the silent ones — answers × p^tries under 0.01 — gave 3.4–4.7 tries per filtered port
    /// behind the bottleneck, where slow start's overshoot had inflated p; nmap's rule gives 3.)
    static let answersBeforeLossIsKnown = 1000

    /// `pathCongested`: the sweep's answers, mostly other hosts', show a congestion episode now (see
    /// TimingBoard.timedOut).
    func retries(configured: Int, cap: Int, pathCongested: Bool = false) -> Int {
        let deepest = detector.isLimited ? confirmedOpenAttempt : confirmedAttempt
        var wanted = deepest > 0 ? deepest + 1 : 0
        // Until the host has answered often enough to show its loss is low, one try more than configured:
        // nmap's rule gives silent ports 2 tries until a late answer is seen, which at 2 % loss takes ~50
        // answers and often more (0.98^50 = 36 %), and 2 tries leave answering ports × p² missed (0.08 per
        // scan for 200 open ports: the bench missed one in ~1 run of 15). With no late answer among A
        // answers, p is below ~3/A (95 %): 2 tries are safe only from ~1,000 answers on.
        let answers = detector.isLimited ? openAnswers : decisiveAnswers
        if answers > 0, answers < Self.answersBeforeLossIsKnown { wanted = max(wanted, configured + 1) }
        let episode = decisiveAnswers > silentPorts && window.inLossEpisode
        if episode || silenceIsRare || pathCongested { wanted = max(wanted, configured) + 1 }
        return max(configured, min(cap, wanted))
    }

    /// Answers a host must have given before its silence may be called rare.
    static let answersBeforeSilenceIsRare = 100

    /// Where hardly any first try goes unanswered (fewer than one per 20 answers: loss, not filters), a
    /// port silent on every try so far is almost surely an answer lost each time: one try more costs
    /// only those few ports and leaves answering ports × p⁴ missed instead of p³ (1,000 open ports
    /// behind 2 % loss: 0.008 per scan → 0.0002; the bench lost one in 43 five-host sweeps). First
    /// tries, not ports given up: those come a few timeouts late, and a host with 10 % filtered ports
    /// looked rare-silent for half its sweep (+12 % time). Not on a host that rate-limits its resets:
    /// there silence is the limiter's.
    private var silenceIsRare: Bool {
        !detector.isLimited && decisiveAnswers >= Self.answersBeforeSilenceIsRare && firstTriesUnanswered * 20 < decisiveAnswers
    }

    /// What the result should say about this host's timing, if anything.
    func notes() -> [HostNote] {
        guard let rate = detector.detectedRate else { return [] }
        return [HostNote(code: "resets_rate_limited",
                         message: "the host rate-limits its TCP resets (about \(rate)/s): \(silentPorts) ports that stayed silent are reported filtered and may be closed")]
    }
}
