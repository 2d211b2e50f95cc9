// Pure congestion window of one host (or of the whole sweep), in probes, fed with answers and timeouts
// and a clock passed in. Trap: loss alone is not congestion (1 % random loss would keep a Reno window
// at ~9 probes); a window is cut on a standing queue delay (mean RTT of a round over the lowest ever), or on a share of retransmissions well above random.

/// Knobs of the congestion windows. Defaults follow nmap -T4 where it has one, TCP where it has not.
struct CongestionTuning: Equatable, Sendable {
    /// Probes a fresh host may have in flight before it has answered anything: TCP's initial window of
    /// ten 1500-byte segments is ~15 KB, as much as 256 SYNs of 60 bytes (nmap starts at 10 probes).
    var initialWindow: Double = 256
    var minWindow: Double = 4
    var maxWindow: Double = 4096
    /// A share of answers needing a retransmission above this is taken as congestion, below as random loss.
    var lossTolerance: Double = 0.05
    /// Fewest retransmission-answers (decayed count) before loss may cut the window at all.
    var minDropsForCut: Double = 3
    /// Multiplicative decrease on congestive loss, and on a standing queue (×0.9: with probes paced, a
    /// queue is the window's excess, not a burst; ×0.8 left the 5,000/s link idle after each cut).
    var lossCut: Double = 0.5
    var delayCut: Double = 0.9
    /// Whether a host's probes are paced over the round trip (Pacer) rather than sent as the window opens.
    var paces = true
    /// Window growth per answer in slow start: 1 doubles it per round trip (TCP); 0.5 is ×1.5. A
    /// delay signal is a round old when it shows, so doubling overshoots a short bottleneck queue by
    /// up to 2 × (5,000 packets/s, 300-packet queue: the window went 265 → 1,757, the queue overflowed
    /// and 10 % of the answers needed a retry).
    var slowStartGrowth: Double = 0.5
    /// Queue delay that cuts the window: max(floor, base RTT × fraction); from half of it the window
    /// grows slowly (slow start ends earlier, see `slowStartExitDelay`).
    var queueDelayFloor: UInt64 = 5_000_000
    var queueDelayFraction: Double = 0.25
}

struct CongestionWindow: Equatable, Sendable {
    let tuning: CongestionTuning
    private(set) var cwnd: Double
    private(set) var ssthresh: Double = .infinity
    /// Time of the last cut: only losses of probes sent after it may cut again (one cut per window).
    private(set) var lastCut: UInt64 = 0
    /// When the last cut has taken hold: two round trips (with the queue of then) after it, the time
    /// its queue takes to drain. The delay met by probes sent before that is the queue the cut is
    /// draining: cut again on it and the window went twice as low as the queue asked. Not for losses:
    /// behind a link shared with other hosts one host's cut need not drain the queue (5 hosts behind
    /// the bottleneck lost open ports when their losses waited for it).
    private(set) var settledAt: UInt64 = 0
    private(set) var cuts = 0
    /// Lowest round trip seen: the path without our queue.
    private(set) var baseRTT: UInt64 = .max
    /// Queue delay measured over the last completed round (mean RTT of the round − base RTT). The mean,
    /// not the lowest: slow start's bursts fill and drain a queue within a round, and the one probe that
    /// found it empty would hide the rest.
    private(set) var queueDelay: UInt64 = 0
    /// The largest window a queue cut was made from lately, and the rounds since the last such cut
    /// (`nearQueueMax`).
    private(set) var queueMax: Double?
    private var roundsSinceQueueCut = 0
    private var roundStart: UInt64
    private var roundRTTSum: UInt64 = 0
    private var roundRTTCount: UInt64 = 0
    /// Decayed counts of answers and of answers that needed a retransmission (drops).
    private(set) var recentAnswers: Double = 0
    private(set) var recentDrops: Double = 0
    private(set) var answers = 0
    private(set) var timeouts = 0

    init(tuning: CongestionTuning, now: UInt64) {
        self.tuning = tuning
        self.cwnd = min(tuning.maxWindow, max(tuning.minWindow, tuning.initialWindow))
        self.roundStart = now
    }

    /// Probes allowed in flight.
    var limit: Int { Int(cwnd) }
    var inSlowStart: Bool { cwnd < ssthresh }

    /// Recent answers needing a retransmission above the random-loss tolerance: a congestion episode.
    var inLossEpisode: Bool {
        recentDrops >= tuning.minDropsForCut && recentDrops > tuning.lossTolerance * recentAnswers
    }

    /// Queue delay that cuts the window (once per round); from half of it, growth is slow.
    var queueThreshold: UInt64 {
        guard baseRTT != .max else { return tuning.queueDelayFloor }
        return max(tuning.queueDelayFloor, UInt64(Double(baseRTT) * tuning.queueDelayFraction))
    }

    /// An answer to a probe sent at `sentAt`. `rtt` is nil when the sample is ambiguous (Karn: an answer
    /// that may belong to a retransmission). `retransmitted`: the answer came only after a retransmission
    /// (ours or the kernel's) — a drop. `lossIsCongestion` false: the drop is known to be the host's
    /// rate limit, not the path. `lostAt`: when the lost packet went out (default `sentAt`); a loss from
    /// before the last cut was already answered by it (a retry's answer comes long after its loss).
    mutating func answered(sentAt: UInt64, now: UInt64, rtt: UInt64?, retransmitted: Bool,
                           lossIsCongestion: Bool = true, lostAt: UInt64? = nil) {
        answers += 1
        recentAnswers += 1
        if let rtt {
            baseRTT = min(baseRTT, max(1, rtt))
            roundRTTSum &+= rtt
            roundRTTCount += 1
        }
        if sentAt >= roundStart { endRound(now: now, sentAt: sentAt) }
        if retransmitted && lossIsCongestion {
            recentDrops += 1
            if (lostAt ?? sentAt) > lastCut, inLossEpisode {
                cut(by: tuning.lossCut, now: now)
                decay()
                return
            }
        }
        grow()
        if recentAnswers > 2 * max(cwnd, 32) { decay() }
    }

    /// A probe's deadline passed. A host that never answered gives no sign of congestion either way:
    /// its window opens as if the timeout were an answer, or a silent host would crawl (nmap: 100 s for
    /// 1000 ports). On a host that answers, the probe already counted when it left the pipe.
    mutating func timedOut() {
        timeouts += 1
        if answers == 0 { cwnd = min(tuning.maxWindow, cwnd + 1) }
    }

    /// An unanswered probe outlived the host's pipe time: dropped by a firewall (a filtered port) or
    /// lost. It grows the window like an answer (nmap scales answers by the share unanswered, to the
    /// same end): a host with 98 % filtered ports would otherwise crawl. Real losses come back as
    /// answers to retries and cut the window; a queue shows in the delay of the answers that do come.
    /// Never in slow start: with one answer per 50 probes the delay shows too late to stop a ×1.5
    /// round, and the 5,000/s link's queue overflowed (1,800 probes dropped in 0.8 s).
    mutating func leftPipe() {
        if inSlowStart { ssthresh = cwnd }
        grow()
    }

    /// Undo nothing, forget the loss history and open the window again (the host's drops turned out to
    /// be its own rate limit, not the path's congestion).
    mutating func forgiveLoss(now: UInt64) {
        recentDrops = 0
        cwnd = max(cwnd, min(tuning.maxWindow, tuning.initialWindow))
        ssthresh = max(ssthresh, cwnd)
        lastCut = now
        settledAt = now
    }

    /// HyStart's delay increase: base RTT / 8, within 4–16 ms. Slow start doubles the window each
    /// round and the delay shows the window of a round ago, so it must stop at the first sign of a queue.
    var slowStartExitDelay: UInt64 {
        guard baseRTT != .max else { return 4_000_000 }
        return min(16_000_000, max(4_000_000, baseRTT / 8))
    }

    private mutating func endRound(now: UInt64, sentAt: UInt64) {
        if roundRTTCount > 0, baseRTT != .max {
            let mean = roundRTTSum / roundRTTCount
            queueDelay = mean > baseRTT ? mean - baseRTT : 0
            if queueDelay >= queueThreshold {
                if sentAt > settledAt {
                    // Not slow start's cut: its window overshot (the first window goes out unpaced).
                    if !inSlowStart {
                        queueMax = max(queueMax ?? 0, cwnd)
                        roundsSinceQueueCut = 0
                    }
                    cut(by: delayCutFactor, now: now)
                }
            } else if inSlowStart, queueDelay >= slowStartExitDelay {
                ssthresh = cwnd   // HyStart: the queue is building; leave slow start before it overflows
            }
        }
        roundsSinceQueueCut += 1
        if roundsSinceQueueCut > Self.queueMemoryRounds { queueMax = nil }
        roundStart = now
        roundRTTSum = 0
        roundRTTCount = 0
    }

    /// The cut on a standing queue: `delayCut`, or deeper in proportion to the queue. The window over
    /// (base + queue) is what the bottleneck delivers; scaled to (base + half the threshold) the queue
    /// drains to a few ms. A fixed ×0.9 left the 5,000/s link's 60 ms queue full for rounds while the
    /// window, grown 12.5 % a round until the delay showed a round late, was 30 % over: 1,200 probes
    /// a scan dropped at the queue, and the tries of a port were lost together.
    private var delayCutFactor: Double {
        let base = Double(baseRTT)
        return min(tuning.delayCut, (base + Double(queueThreshold / 2)) / (base + Double(queueDelay)))
    }

    private mutating func grow() {
        if inSlowStart {
            cwnd = min(cwnd + tuning.slowStartGrowth, max(ssthresh, cwnd))
        } else if !nearQueueMax && queueDelay < queueThreshold / 2 {
            cwnd += 1 / 8                // no queue: +12.5 % per round (Reno's +1 would take minutes at 80 ms)
        } else {
            cwnd += 2 / cwnd             // a queue is forming: +2 per round, as nmap -T4
        }
        cwnd = min(tuning.maxWindow, cwnd)
    }

    /// Rounds a queue cut is remembered (`nearQueueMax`).
    static let queueMemoryRounds = 8

    /// Close to the window that last built a standing queue, and not long ago: grow +2 a round, not
    /// 12.5 % (CUBIC's plateau). The queue shows a round late, so 12.5 % a round into it overshot by
    /// 30 % and overflowed the 5,000/s link's 60 ms queue every 4–5 rounds. Below 85 % of it (after a
    /// loss cut) the window grows back fast, and after `queueMemoryRounds` rounds without a queue cut
    /// the path may have changed: fast again.
    private var nearQueueMax: Bool {
        guard let queueMax else { return false }
        return cwnd >= 0.85 * queueMax
    }

    private mutating func cut(by factor: Double, now: UInt64) {
        cwnd = max(tuning.minWindow, cwnd * factor)
        ssthresh = cwnd
        lastCut = now
        settledAt = now + (baseRTT == .max ? 0 : 2 * (baseRTT + queueDelay))
        cuts += 1
    }

    private mutating func decay() {
        recentAnswers /= 2
        recentDrops /= 2
    }
}
