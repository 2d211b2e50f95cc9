// Pure congestion control of the sweep (window, host timing, reset-limit detector, shared board, work
// source), driven with a clock passed in: no sockets, no sleeps.
import Testing
@testable import ScanEngine

private let ms: UInt64 = 1_000_000
/// The windows' knobs with a small initial window and TCP's slow start (doubling per round), so that
/// the arithmetic of each test stays readable; the default ×1.5 has a test of its own.
private let tuning64: CongestionTuning = {
    var tuning = CongestionTuning()
    tuning.initialWindow = 64
    tuning.slowStartGrowth = 1
    return tuning
}()

@Suite("Congestion control, with the clock passed in")
struct CongestionTests {
    /// Answers `count` probes sent at `sentAt` after `rtt`; `dropEvery` > 0 marks every n-th as retransmitted.
    func feed(_ window: inout CongestionWindow, count: Int, sentAt: UInt64, rtt: UInt64, dropEvery: Int = 0) {
        for i in 0..<count {
            let dropped = dropEvery > 0 && i % dropEvery == dropEvery - 1
            window.answered(sentAt: sentAt, now: sentAt + rtt, rtt: rtt, retransmitted: dropped)
        }
    }

    @Test("slow start doubles the window over one round of answers")
    func slowStartDoubles() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        #expect(window.limit == 64)
        feed(&window, count: 64, sentAt: 0, rtt: 80 * ms)
        #expect(window.limit == 128)
        #expect(window.inSlowStart)
    }

    @Test("by default slow start grows the window by half over one round: a round-old delay signal overshoots less")
    func defaultSlowStartGrowsByHalf() {
        var tuning = CongestionTuning()
        tuning.initialWindow = 64
        var window = CongestionWindow(tuning: tuning, now: 0)
        feed(&window, count: 64, sentAt: 0, rtt: 80 * ms)
        #expect(window.limit == 96)
        #expect(window.inSlowStart)
    }

    @Test("random loss below the tolerance never cuts the window")
    func randomLossTolerated() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        var t: UInt64 = 0
        for _ in 0..<20 {
            feed(&window, count: window.limit, sentAt: t, rtt: 80 * ms, dropEvery: 50)   // 2 %
            t += 80 * ms
        }
        #expect(window.cuts == 0)
        #expect(window.limit == 4096)
    }

    @Test("a burst of drops cuts the window once, not once per drop")
    func oneCutPerWindow() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        feed(&window, count: 64, sentAt: 0, rtt: 80 * ms)
        let before = window.cwnd
        for i in 0..<30 {   // all sent before the first cut happens
            window.answered(sentAt: 10 * ms, now: 400 * ms + UInt64(i), rtt: 80 * ms, retransmitted: true)
        }
        #expect(window.cuts == 1)
        #expect(window.cwnd < before)
        #expect(window.cwnd >= before / 2)
    }

    @Test("drops of probes sent after a cut may cut again")
    func laterDropsCutAgain() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        for i in 0..<10 { window.answered(sentAt: ms, now: 100 * ms + UInt64(i), rtt: nil, retransmitted: true) }
        #expect(window.cuts == 1)
        for i in 0..<10 { window.answered(sentAt: 200 * ms, now: 400 * ms + UInt64(i), rtt: nil, retransmitted: true) }
        #expect(window.cuts == 2)
    }

    @Test("drops known to be the host's own rate limit do not cut the window")
    func forgivenLoss() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        for i in 0..<50 {
            window.answered(sentAt: UInt64(i) * ms, now: 500 * ms, rtt: nil, retransmitted: true, lossIsCongestion: false)
        }
        #expect(window.cuts == 0)
    }

    @Test("a queue building up ends slow start; a standing one cuts the window in proportion, once until the cut has taken hold")
    func queueDelay() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        feed(&window, count: 64, sentAt: 0, rtt: 80 * ms)              // base RTT 80 ms: exit at 10 ms, cut at 20 ms
        feed(&window, count: 64, sentAt: 90 * ms, rtt: 95 * ms)        // 15 ms of queue
        window.answered(sentAt: 200 * ms, now: 300 * ms, rtt: 100 * ms, retransmitted: false)   // round ends
        #expect(!window.inSlowStart)
        #expect(window.cuts == 0)
        let before = window.cwnd
        window.answered(sentAt: 320 * ms, now: 450 * ms, rtt: 130 * ms, retransmitted: false)   // a round of 50 ms
        #expect(window.cuts == 1)
        #expect(window.queueDelay == 50 * ms)
        // to (base + half the threshold) / (base + queue): 90 / 130, not the fixed ×0.9
        #expect(abs(window.cwnd - before * 90 / 130) < 1)
        // The queue met by probes sent within two round trips of the cut (to 710 ms) is the one it drains.
        window.answered(sentAt: 600 * ms, now: 730 * ms, rtt: 130 * ms, retransmitted: false)
        #expect(window.cuts == 1, "no second cut on the queue the first one drains")
        window.answered(sentAt: 740 * ms, now: 870 * ms, rtt: 130 * ms, retransmitted: false)
        #expect(window.cuts == 2, "a queue still standing once the cut has taken hold cuts again")
    }

    @Test("near the window that last built a standing queue growth is slow; below it, and some rounds later, fast again")
    func plateauNearQueueMax() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        feed(&window, count: 64, sentAt: 0, rtt: 80 * ms)               // slow start to 128, base 80 ms
        window.leftPipe()                                               // silence ends slow start
        var t: UInt64 = 100 * ms
        /// One round: `count` answers sent at `t` after `rtt`, the first of which ends the previous round.
        func round(_ count: Int, rtt: UInt64) {
            feed(&window, count: count, sentAt: t, rtt: rtt)
            t += rtt + ms
        }
        round(1, rtt: 80 * ms)
        round(1, rtt: 130 * ms)                                         // 50 ms of queue measured...
        round(1, rtt: 80 * ms)                                          // ...and cut when that round ends
        #expect(window.cuts == 1)
        let queueMaxValue = window.queueMax ?? 0
        #expect(queueMaxValue > 128)
        // After the cut the window is well below the window that built the queue: +1/8 per answer.
        var answers = 0
        while window.cwnd < 0.85 * queueMaxValue && answers < 1_000 { round(1, rtt: 80 * ms); answers += 1 }
        #expect(answers < 400, "regains 85 % fast")
        // From there, +2 a round (here 1 answer a round: +2/cwnd each) instead of +12.5 %.
        let plateau = window.cwnd
        for _ in 0..<(CongestionWindow.queueMemoryRounds - 1) { round(1, rtt: 80 * ms) }
        #expect(window.cwnd - plateau < 1)
        for _ in 0..<2 { round(1, rtt: 80 * ms) }
        #expect(window.queueMax == nil, "forgotten after the rounds it is remembered")
        let forgotten = window.cwnd
        round(8, rtt: 80 * ms)
        #expect(window.cwnd - forgotten == 1, "fast again: +1/8 per answer")
    }

    @Test("silence never grows a window in slow start")
    func leftPipeEndsSlowStart() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        window.answered(sentAt: 0, now: 80 * ms, rtt: 80 * ms, retransmitted: false)
        #expect(window.inSlowStart)
        window.leftPipe()
        #expect(!window.inSlowStart)
        for _ in 0..<63 { window.leftPipe() }
        #expect(window.limit == 73, "65 + 64/8: avoidance, not ×2 a round")
    }

    @Test("jitter-free answers at the base round trip keep slow start going")
    func flatDelayKeepsSlowStart() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        var t: UInt64 = 0
        for _ in 0..<4 {
            feed(&window, count: window.limit, sentAt: t, rtt: 80 * ms)
            t += 81 * ms
        }
        #expect(window.inSlowStart)
        #expect(window.limit == 1024)
    }

    @Test("a host that never answered opens its window as its probes time out")
    func silentHostOpens() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        for _ in 0..<64 { window.timedOut() }
        #expect(window.limit == 128)
        window.answered(sentAt: 0, now: 1, rtt: 1, retransmitted: false)
        let after = window.cwnd
        for _ in 0..<64 { window.timedOut() }
        #expect(window.cwnd == after, "once the host answers, a timeout is no reason to grow")
    }

    @Test("a probe that leaves the pipe unanswered grows the window like an answer: filtered ports do not freeze it")
    func leftPipeGrows() {
        var window = CongestionWindow(tuning: tuning64, now: 0)
        window.answered(sentAt: 0, now: 80 * ms, rtt: 80 * ms, retransmitted: false)
        for _ in 0..<64 { window.leftPipe() }
        let grown = window.cwnd
        #expect(grown == 65 + 8)
        for _ in 0..<64 { window.timedOut() }
        #expect(window.cwnd == grown, "its deadline passing later does not count twice")
    }

    @Test("the window never leaves its bounds")
    func bounds() {
        var tuning = tuning64
        tuning.maxWindow = 100
        var window = CongestionWindow(tuning: tuning, now: 0)
        feed(&window, count: 500, sentAt: 0, rtt: ms)
        #expect(window.limit == 100)
        var t: UInt64 = 10 * ms
        var lowest = window.cwnd
        for _ in 0..<40 {
            for i in 0..<10 {
                window.answered(sentAt: t, now: t + ms + UInt64(i), rtt: nil, retransmitted: true)
                lowest = min(lowest, window.cwnd)
            }
            t += 10 * ms
        }
        #expect(lowest == 4)
    }
}

@Suite("Host timing and reset-limit detection")
struct HostTimingTests {
    func outcome(_ answer: ProbeOutcome.Answer, attempt: Int = 0, sentAt: UInt64, rtt: UInt64) -> ProbeOutcome {
        ProbeOutcome(answer: answer, attempt: attempt, sentAt: sentAt, now: sentAt + rtt)
    }

    @Test("an answer after the kernel's own SYN retransmission gives no RTT sample and counts as a drop")
    func kernelRetransmit() {
        var timing = HostTiming(tuning: CongestionTuning(), now: 0)
        timing.sent(now: 0)
        let sample = timing.answered(outcome(.open, sentAt: 0, rtt: 1_080 * ms))
        #expect(sample == nil)
        #expect(timing.rtt.samples == 0)
        #expect(timing.window.recentDrops == 1)
        #expect(timing.confirmedAttempt == 1)
    }

    @Test("retries follow the deepest try that worked on the host (beyond the second, on two ports), capped, never below the configured number")
    func adaptiveRetries() {
        var timing = HostTiming(tuning: CongestionTuning(), now: 0)
        for _ in 0..<1000 { timing.answered(outcome(.closed, sentAt: 0, rtt: 80 * ms)) }   // little loss: no episode
        for _ in 0..<100 { timing.timedOut(attempt: 0) }   // filtered ports are common here: silence is not rare
        #expect(timing.retries(configured: 1, cap: 5) == 1)
        timing.answered(outcome(.closed, attempt: 1, sentAt: 0, rtt: 80 * ms))
        #expect(timing.retries(configured: 1, cap: 5) == 2, "one answer on the second try is enough")
        timing.answered(outcome(.closed, attempt: 3, sentAt: 0, rtt: 80 * ms))
        #expect(timing.retries(configured: 1, cap: 5) == 2, "one port answered on its fourth try is an outlier")
        timing.answered(outcome(.open, attempt: 3, sentAt: 0, rtt: 80 * ms))
        #expect(timing.retries(configured: 1, cap: 5) == 4)
        for _ in 0..<2 { timing.answered(outcome(.open, attempt: 6, sentAt: 0, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 5)
        #expect(timing.retries(configured: 7, cap: 5) == 7)
    }

    @Test("during a congestion episode a silent port gets one more try")
    func congestionEpisodeRetry() {
        var timing = HostTiming(tuning: tuning64, now: 0)
        for _ in 0..<60 { timing.answered(outcome(.closed, sentAt: 0, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 2, "60 answers: the loss is not known yet")
        for _ in 0..<2 { timing.answered(outcome(.closed, attempt: 1, sentAt: 10 * ms, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 2, "2 of 62: random loss, the second try worked")
        for _ in 0..<6 { timing.answered(outcome(.closed, attempt: 1, sentAt: 20 * ms, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 3, "8 of 68 needed a retry: congestion")
    }

    @Test("until a host has answered 1,000 times without a late answer its loss is unknown: a silent port gets one try more than configured")
    func fewAnswersOneMoreTry() {
        var timing = HostTiming(tuning: tuning64, now: 0)
        #expect(timing.retries(configured: 1, cap: 5) == 1, "a host that never answered: as configured")
        for _ in 0..<100 { timing.timedOut(attempt: 0) }   // filtered ports are common here: silence is not rare
        for _ in 0..<999 { timing.answered(outcome(.open, sentAt: 0, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 2)
        timing.answered(outcome(.open, sentAt: 0, rtt: 80 * ms))
        #expect(timing.retries(configured: 1, cap: 5) == 1, "1,000 answers, none late: nmap's rule alone")
    }

    @Test("where hardly any port stays silent, a silent port gets one try more: it is most likely a lost answer")
    func rareSilenceOneMoreTry() {
        var timing = HostTiming(tuning: tuning64, now: 0)
        for _ in 0..<98 { timing.answered(outcome(.closed, sentAt: 0, rtt: 80 * ms)) }
        timing.answered(outcome(.closed, attempt: 1, sentAt: 0, rtt: 80 * ms))
        #expect(timing.retries(configured: 1, cap: 5) == 2, "99 answers are too few to call silence rare")
        for _ in 0..<1001 { timing.answered(outcome(.closed, sentAt: 0, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 3, "1,100 answers, none silent: the second try worked, and one more")
        for _ in 0..<54 { timing.timedOut(attempt: 0) }
        for _ in 0..<100 { timing.timedOut(attempt: 1) }
        #expect(timing.retries(configured: 1, cap: 5) == 3, "54 first tries unanswered per 1,100 answers is still rare; retries do not count")
        timing.timedOut(attempt: 0)
        #expect(timing.retries(configured: 1, cap: 5) == 2, "one unanswered first try per 20 answers: filters, not loss")
    }

    @Test("an ICMP answer on a retry raises neither the tries nor the drops: it changes no verdict")
    func unreachableOnRetry() {
        var timing = HostTiming(tuning: CongestionTuning(), now: 0)
        timing.answered(outcome(.unreachable, attempt: 2, sentAt: 0, rtt: 80 * ms))
        #expect(timing.retries(configured: 1, cap: 5) == 1)
        #expect(timing.window.recentDrops == 0)
        #expect(timing.rtt.samples == 1)
    }

    /// One second of a host at 80 ms: `sent` probes, `first` refusals on the first try, `late` on a retry,
    /// `open`/`openLate` open ports; then one answer in the next second closes the interval.
    func second(_ detector: inout ResetLimitDetector, at start: UInt64, sent: Int, first: Int, late: Int,
                open: Int = 0, openLate: Int = 0, flat: Bool = true) {
        for i in 0..<sent { detector.sent(now: start + UInt64(i)) }
        for _ in 0..<first { detector.answered(open: false, attempt: 0, now: start + 500 * ms, queueIsFlat: flat) }
        for _ in 0..<late { detector.answered(open: false, attempt: 1, now: start + 600 * ms, queueIsFlat: flat) }
        for _ in 0..<open { detector.answered(open: true, attempt: 0, now: start + 700 * ms, queueIsFlat: flat) }
        for _ in 0..<openLate { detector.answered(open: true, attempt: 1, now: start + 700 * ms, queueIsFlat: flat) }
        detector.answered(open: false, attempt: 0, now: start + 1_000 * ms, queueIsFlat: flat)
    }

    @Test("refusals arriving at a low steady rate, many only on a retry, for two seconds, are recognised as a reset limit")
    func resetLimitRecognised() {
        var detector = ResetLimitDetector(now: 0)
        second(&detector, at: 0, sent: 2000, first: 30, late: 20, open: 20)
        #expect(!detector.isLimited, "one second of it may be a congestion episode")
        second(&detector, at: 1_000 * ms, sent: 2000, first: 30, late: 20, open: 20)
        #expect(detector.isLimited)
        #expect(detector.detectedRate == 51)
    }

    @Test("plain random loss is not a reset limit")
    func randomLossIsNotLimit() {
        var detector = ResetLimitDetector(now: 0)
        second(&detector, at: 0, sent: 2000, first: 1950, late: 40)
        #expect(!detector.isLimited)
    }

    @Test("congestion that silences open ports as much as closed ones is not a reset limit")
    func congestionIsNotLimit() {
        var detector = ResetLimitDetector(now: 0)
        second(&detector, at: 0, sent: 2000, first: 300, late: 200, open: 30, openLate: 20)
        #expect(!detector.isLimited)
        second(&detector, at: 1_000 * ms, sent: 2000, first: 300, late: 200, flat: false)
        #expect(!detector.isLimited, "a growing queue says congestion")
    }

    @Test("a filtered host (silence that stays silence on retries) is not a reset limit")
    func filteredIsNotLimit() {
        var detector = ResetLimitDetector(now: 0)
        second(&detector, at: 0, sent: 2000, first: 100, late: 0)
        #expect(!detector.isLimited)
    }

    @Test("a host found to limit its resets says so in its notes, with the ports left filtered")
    func limitNote() {
        var timing = HostTiming(tuning: CongestionTuning(), now: 0)
        for second in 0..<2 {
            let start = UInt64(second) * 1_000 * ms
            for i in 0..<2000 { timing.sent(now: start + UInt64(i) * 100_000) }
            for _ in 0..<30 { timing.answered(outcome(.closed, sentAt: start, rtt: 80 * ms)) }
            for _ in 0..<20 { timing.answered(outcome(.closed, attempt: 1, sentAt: start + 300 * ms, rtt: 80 * ms)) }
        }
        timing.answered(outcome(.closed, sentAt: 2_000 * ms, rtt: 80 * ms))
        #expect(timing.detector.isLimited)
        for _ in 0..<7 { timing.gaveUp() }
        let notes = timing.notes()
        #expect(notes.map(\.code) == ["resets_rate_limited"])
        #expect(notes.first?.message.contains("7 ports") == true)
        for _ in 0..<100 { timing.answered(outcome(.closed, sentAt: 2_000 * ms, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 1, "late refusals no longer add tries, and its rare silence is the limiter's")
    }

    @Test("silence past the pipe time grows the window of a mostly filtered host, not of one that answers")
    func leftPipeOnlyOnFilteredHosts() {
        var answering = HostTiming(tuning: tuning64, now: 0)
        answering.answered(outcome(.closed, sentAt: 0, rtt: 80 * ms))
        let before = answering.window.cwnd
        for _ in 0..<10 { answering.sent(now: 0); let grew = answering.leftPipe(); #expect(!grew) }
        #expect(answering.window.cwnd == before, "on an answering host, silence is loss")
        var filtered = HostTiming(tuning: tuning64, now: 0)
        filtered.answered(outcome(.open, sentAt: 0, rtt: 80 * ms))
        let filteredBefore = filtered.window.cwnd
        filtered.timedOut(attempt: 1)
        filtered.sent(now: 0)
        let grewOnRetry = filtered.leftPipe()
        #expect(!grewOnRetry, "a retry's silence says nothing about the first tries")
        for _ in 0..<2 { filtered.timedOut(attempt: 0) }
        for _ in 0..<16 { filtered.sent(now: 0); let grew = filtered.leftPipe(); #expect(grew) }
        #expect(filtered.window.cwnd == filteredBefore + 2, "most first tries unanswered: +1/8 each")
    }

    @Test("on a mostly silent host a congestion episode adds no try: it would go to every filtered port")
    func noEpisodeTryOnSilentHost() {
        var timing = HostTiming(tuning: tuning64, now: 0)
        for _ in 0..<40 { timing.answered(outcome(.open, sentAt: 0, rtt: 80 * ms)) }
        for _ in 0..<8 { timing.answered(outcome(.open, attempt: 1, sentAt: 20 * ms, rtt: 80 * ms)) }
        #expect(timing.retries(configured: 1, cap: 5) == 3, "8 of 48 needed a retry, the host answers: one more")
        for _ in 0..<100 { timing.gaveUp() }
        #expect(timing.retries(configured: 1, cap: 5) == 2, "the deepest try that worked, + 1, as nmap")
    }

    @Test("an unanswered probe leaves the pipe after the smoothed round trip, without a variance margin")
    func pipeTimeIsSmoothedRoundTrip() {
        var timing = HostTiming(tuning: tuning64, now: 0)
        #expect(timing.pipeTime == nil, "no estimate before an answer")
        timing.answered(outcome(.open, sentAt: 0, rtt: 80 * ms))
        timing.answered(outcome(.open, sentAt: 0, rtt: 120 * ms))
        #expect(timing.rtt.rttvar > 0)
        #expect(timing.pipeTime == timing.rtt.srtt)
    }

    @Test("a host's probes are paced over its round trip once it has answered, and only while its window has room")
    func hostPacing() {
        var tuning = CongestionTuning()
        tuning.initialWindow = 100
        var timing = HostTiming(tuning: tuning, now: 0)
        var granted = 0
        while timing.mayPace(now: 0), granted < 1000 { timing.sent(now: 0); granted += 1 }
        #expect(granted == 100, "unpaced before the first answer: the initial window at once")
        timing.answered(outcome(.open, sentAt: 0, rtt: 100 * ms))
        timing.release()
        for _ in 0..<50 { timing.release() }
        // 100 ms srtt, window ~100, slow start gain 2: ~2 probes per ms, bursts of 8.
        granted = 0
        while timing.mayPace(now: 100 * ms) { timing.sent(now: 100 * ms); granted += 1 }
        #expect(granted == 8, "a burst, then the pacer holds")
        var t = 100 * ms
        granted = 0
        while t < 110 * ms {
            t += ms / 10
            while timing.mayPace(now: t) { timing.sent(now: t); granted += 1 }
        }
        #expect((18...22).contains(granted), "about 2 per ms over 10 ms, got \(granted)")
        var full = HostTiming(tuning: tuning, now: 0)
        for _ in 0..<100 { full.sent(now: 0) }
        let room = full.mayPace(now: 1_000 * ms)
        #expect(!room, "a full window refuses whatever the pacer says")
    }

    @Test("a host without a reset limit has no notes")
    func noNotes() {
        var timing = HostTiming(tuning: CongestionTuning(), now: 0)
        timing.answered(outcome(.closed, sentAt: 0, rtt: 80 * ms))
        #expect(timing.notes().isEmpty)
    }
}

@Suite("Timing board and work source")
struct TimingBoardTests {
    let policy = RetryPolicy(retries: 1, timeout: 1_000 * ms, minTimeout: 100 * ms)

    @Test("a full window refuses a place until an answer frees one; the sweep starts at one host's window")
    func windowHolds() {
        var tuning = CongestionTuning()
        tuning.initialWindow = 4
        let board = TimingBoard(tuning: tuning, policy: policy, retryCap: 5, now: 0)
        for _ in 0..<4 { #expect(board.acquire(host: 0, now: 0)) }
        #expect(!board.acquire(host: 0, now: 0))
        #expect(!board.acquire(host: 1, now: 0), "the hosts of a sweep start within one host's window together")
        _ = board.answered(host: 0, ProbeOutcome(answer: .closed, attempt: 0, sentAt: 0, now: 80 * ms))
        #expect(board.acquire(host: 1, now: 80 * ms), "the answer freed a place")
        #expect(!board.acquire(host: 0, now: 80 * ms), "and only one")
    }

    @Test("a host that has not answered waits the group's estimate on its first try and the configured one on a retry")
    func groupEstimate() {
        let board = TimingBoard(tuning: CongestionTuning(), policy: policy, retryCap: 5, now: 0)
        #expect(board.timeout(host: 1, attempt: 0) == 1_000 * ms)
        #expect(board.acquire(host: 0, now: 0))
        #expect(board.answered(host: 0, ProbeOutcome(answer: .closed, attempt: 0, sentAt: 0, now: 40 * ms)), "first sample")
        #expect(board.acquire(host: 1, now: 0))
        #expect(board.timeout(host: 1, attempt: 0) == 120 * ms)   // srtt 40 + 4 × rttvar 20
        #expect(board.timeout(host: 1, attempt: 1) == 500 * ms)
    }

    @Test("a timed-out probe is retried as often as the host's deepest confirmed try, then given up")
    func retriesFromBoard() {
        let board = TimingBoard(tuning: CongestionTuning(), policy: policy, retryCap: 5, now: 0)
        for _ in 0..<2 {   // two ports answered on their third try
            #expect(board.acquire(host: 0, now: 0))
            _ = board.answered(host: 0, ProbeOutcome(answer: .closed, attempt: 2, sentAt: 0, now: 80 * ms))
        }
        for attempt in 0..<3 {
            #expect(board.acquire(host: 0, now: 0))
            #expect(board.timedOut(host: 0, attempt: attempt) != .filtered)
        }
        #expect(board.acquire(host: 0, now: 0))
        #expect(board.timedOut(host: 0, attempt: 3) == .filtered)
    }

    /// Host `host` answers 100 times on the first try and 20 times only on the second: a loss episode.
    private func congest(_ board: TimingBoard, host: Int) {
        for attempt in [Int](repeating: 0, count: 100) + [Int](repeating: 1, count: 20) {
            #expect(board.acquire(host: host, now: 0))
            _ = board.answered(host: host, ProbeOutcome(answer: .closed, attempt: attempt, sentAt: 0, now: 80 * ms))
        }
    }

    @Test("a host that answers too seldom to see congestion takes the sweep's episode, shown by other hosts' answers, for one try more")
    func quietHostBorrowsSweepEpisode() {
        var tuning = CongestionTuning()
        tuning.paces = false
        let shared = TimingBoard(tuning: tuning, policy: policy, retryCap: 5, now: 0)
        #expect(shared.acquire(host: 1, now: 0))
        _ = shared.answered(host: 1, ProbeOutcome(answer: .open, attempt: 0, sentAt: 0, now: 80 * ms))
        #expect(shared.acquire(host: 1, now: 0))
        #expect(shared.timedOut(host: 1, attempt: 2) == .filtered, "no episode yet: 1 + 1 retries (few answers), the third try is the last")
        congest(shared, host: 0)
        #expect(shared.acquire(host: 1, now: 0))
        #expect(shared.timedOut(host: 1, attempt: 2) != .filtered, "host 0's answers show an episode: one try more")
        #expect(shared.acquire(host: 1, now: 0))
        #expect(shared.timedOut(host: 1, attempt: 3) == .filtered)

        // Alone, a mostly silent host's own episode adds no try (it would go to every filtered port).
        let alone = TimingBoard(tuning: tuning, policy: policy, retryCap: 5, now: 0)
        congest(alone, host: 1)
        for attempt in [Int](repeating: 0, count: 130) + [Int](repeating: 5, count: 130) {   // mostly filtered
            #expect(alone.acquire(host: 1, now: 0))
            _ = alone.timedOut(host: 1, attempt: attempt)
        }
        #expect(alone.acquire(host: 1, now: 0))
        #expect(alone.timedOut(host: 1, attempt: 2) == .filtered)
    }

    @Test("a host's window growing on silence grows the sweep's window too")
    func groupGrowsOnSilence() {
        var tuning = CongestionTuning()
        tuning.paces = false   // many places at one instant
        let board = TimingBoard(tuning: tuning, policy: policy, retryCap: 5, now: 0)
        #expect(board.acquire(host: 0, now: 0))
        _ = board.answered(host: 0, ProbeOutcome(answer: .open, attempt: 0, sentAt: 0, now: 80 * ms))
        for _ in 0..<3 {   // three first tries unanswered: the host is mostly silent
            #expect(board.acquire(host: 0, now: 80 * ms))
            _ = board.timedOut(host: 0, attempt: 0)
        }
        let before = board.groupLimit
        for _ in 0..<8 {
            #expect(board.acquire(host: 0, now: 80 * ms))
            board.leftPipe(host: 0)
        }
        #expect(board.groupLimit > before)
    }

    @Test("the sweep's window reads queueing, not distance: hosts 40 and 120 ms away at their base cut nothing, a shared queue cuts it")
    func groupSeesQueueingAcrossDistances() {
        var tuning = CongestionTuning()
        tuning.paces = false
        let board = TimingBoard(tuning: tuning, policy: policy, retryCap: 5, now: 0)
        var t: UInt64 = 0
        /// One round of answers from both hosts, `queue` over their own base round trips.
        func round(queue: UInt64) {
            for _ in 0..<4 {
                for (host, base) in [(0, 40 * ms), (1, 120 * ms)] {
                    _ = board.acquire(host: host, now: t)
                    _ = board.answered(host: host, ProbeOutcome(answer: .closed, attempt: 0, sentAt: t, now: t + base + queue))
                }
            }
            t += 200 * ms
        }
        for _ in 0..<6 { round(queue: 0) }
        #expect(board.groupCuts == 0, "80 ms between the hosts is distance, not a queue")
        for _ in 0..<3 { round(queue: 40 * ms) }
        #expect(board.groupCuts >= 1, "40 ms over both hosts' own base is the shared link's queue")
    }

    @Test("the work source interleaves hosts, skips held ones and hands out every port once")
    func interleaving() throws {
        let hosts = try ["198.18.0.1", "198.18.0.2", "198.18.0.3"].map { try #require(ScanHost(address: $0)) }
        let source = WorkSource(hosts: hosts, portCount: 10, chunkSize: 4)
        let first = try #require(source.next())
        let second = try #require(source.next())
        #expect(first.hostIndex != second.hostIndex)
        var handed: [Int: Int] = [first.hostIndex: first.ports.count, second.hostIndex: second.ports.count]
        while let chunk = source.next(avoiding: [first.hostIndex]) {
            #expect(chunk.hostIndex != first.hostIndex)
            handed[chunk.hostIndex, default: 0] += chunk.ports.count
        }
        #expect(!source.isDrained)
        while let chunk = source.next() { handed[chunk.hostIndex, default: 0] += chunk.ports.count }
        #expect(source.isDrained)
        #expect(handed == [0: 10, 1: 10, 2: 10])
        #expect(source.hostsSeen == hosts, "indices follow the caller's order")
    }

    @Test("loopback hosts are left to the fast path unless congestion control is forced")
    func loopbackExempt() throws {
        let v4 = try #require(SocketAddress(numeric: "127.0.0.9", port: 0))
        let v6 = try #require(SocketAddress(numeric: "::1", port: 0))
        let remote = try #require(SocketAddress(numeric: "198.18.0.1", port: 0))
        #expect(!CongestionControl.automatic.manages(v4))
        #expect(!CongestionControl.automatic.manages(v6))
        #expect(CongestionControl.automatic.manages(remote))
        #expect(CongestionControl.always.manages(v4))
        #expect(!CongestionControl.off.manages(remote))
    }
}
