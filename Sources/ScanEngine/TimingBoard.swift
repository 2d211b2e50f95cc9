// The congestion state the worker threads share: one HostTiming per managed host and the group window.
// Traps: everything under `lock` (one short critical section per probe sent and per probe resolved);
// SKANNR_CC_TRACE=1 prints a line of window state every 50 ms (diagnostics for the WAN bench);
// hosts on loopback never come here (no link to congest: the workers keep today's fast path for them).

import Glibc

final class TimingBoard: @unchecked Sendable {
    private let lock = Lock()
    private let tuning: CongestionTuning
    private let policy: RetryPolicy
    private let retryCap: Int
    private var hosts: [Int: HostTiming] = [:]
    private var group: CongestionWindow
    private var groupRTT = RTTEstimator()
    private var groupInFlight = 0
    private var groupReference: UInt64?
    private static let trace = getenv("SKANNR_CC_TRACE") != nil
    private var lastTrace: UInt64 = 0
    private let started: UInt64

    init(tuning: CongestionTuning, policy: RetryPolicy, retryCap: Int, now: UInt64) {
        self.tuning = tuning
        self.policy = policy
        self.retryCap = max(policy.retries, retryCap)
        self.started = now
        // The sweep's window starts at one host's: five hosts behind one link each sending their 256
        // at once put 1,280 SYNs into a 300-packet queue, and nearly every open port that needed a
        // third try (or was missed) had its first tries in that start (was 8 × a host's).
        self.group = CongestionWindow(tuning: tuning, now: now)
    }

    /// Takes a place in the host's and the group's window for one probe; false when either is full or
    /// the host's pacing holds the probe back.
    func acquire(host: Int, now: UInt64) -> Bool {
        lock.withLock {
            var timing = hosts[host] ?? HostTiming(tuning: tuning, now: now)
            guard groupInFlight < group.limit, timing.mayPace(now: now) else {
                hosts[host] = timing
                return false
            }
            timing.sent(now: now)
            hosts[host] = timing
            groupInFlight += 1
            return true
        }
    }

    /// An answer; returns true when it was the host's first RTT sample (its in-flight probes can be
    /// re-deadlined). `holdsPlace` false: the probe's window place was already given back (`leftPipe`).
    func answered(host: Int, _ outcome: ProbeOutcome, holdsPlace: Bool = true) -> Bool {
        lock.withLock {
            guard var timing = hosts[host] else { return false }
            let before = timing.rtt.samples
            let sample = timing.answered(outcome)
            if holdsPlace { releaseLocked(&timing) }
            hosts[host] = timing
            let retransmitted = outcome.answer != .unreachable && (outcome.attempt > 0 || sample == nil)
            let congestive = !(timing.detector.isLimited && outcome.answer == .closed)
            let queueing = sample.map { groupSampleLocked($0, hostBase: timing.window.baseRTT) }
            group.answered(sentAt: outcome.sentAt, now: outcome.now, rtt: queueing,
                           retransmitted: retransmitted, lossIsCongestion: congestive, lostAt: outcome.lossTime)
            if let sample { groupRTT.add(sample: sample) }
            if Self.trace, outcome.now > lastTrace + 50_000_000 {
                lastTrace = outcome.now
                let w = timing.window
                print("cc t=\((outcome.now - started) / 1_000_000) host=\(host) cwnd=\(Int(w.cwnd)) srtt=\(timing.rtt.srtt / 1_000_000) var=\(timing.rtt.rttvar / 1_000_000) ss=\(w.ssthresh == .infinity ? -1 : Int(w.ssthresh)) infl=\(timing.inFlight) base=\(w.baseRTT / 1_000_000) qd=\(w.queueDelay / 1_000_000) cuts=\(w.cuts) drops=\(w.recentDrops)/\(w.recentAnswers) g=\(Int(group.cwnd))/\(groupInFlight) gcuts=\(group.cuts)")
            }
            return before == 0 && timing.rtt.samples > 0
        }
    }

    /// A deadline passed: retry (with how long to wait) or give the port up as filtered.
    func timedOut(host: Int, attempt: Int, holdsPlace: Bool = true) -> RetryPolicy.Decision {
        lock.withLock {
            guard var timing = hosts[host] else { return .filtered }
            timing.timedOut(attempt: attempt)
            if holdsPlace { releaseLocked(&timing) }
            group.timedOut()
            let decision: RetryPolicy.Decision
            if attempt < timing.retries(configured: policy.retries, cap: retryCap, pathCongested: pathCongestedLocked(timing)) {
                decision = .retry(timeout: timeoutLocked(timing, attempt: attempt + 1))
            } else {
                timing.gaveUp()
                decision = .filtered
            }
            hosts[host] = timing
            return decision
        }
    }

    /// An answer's round trip as the sweep's window sees it: its queueing (over its host's lowest), on
    /// one reference (the sweep's first base round trip). Hosts at different distances share one delay
    /// signal, so the hosts behind one link share one controller of its queue.
    private func groupSampleLocked(_ rtt: UInt64, hostBase: UInt64) -> UInt64 {
        let reference = groupReference ?? hostBase
        groupReference = reference
        return reference + (rtt > hostBase ? rtt - hostBase : 0)
    }

    /// Whether a host that answers too seldom to see congestion itself should take the sweep's word for
    /// it: the sweep's answers, at least half of them other hosts', show a congestion episode. A mostly
    /// filtered host in a sweep of five behind one bottleneck lost open ports to episodes that the others'
    /// answers showed and its own 200 did not (1 port in 5 sweeps). Alone, its own answers are the
    /// sweep's, and an episode there is no reason to send every filtered port once more.
    private func pathCongestedLocked(_ timing: HostTiming) -> Bool {
        group.inLossEpisode && timing.decisiveAnswers * 2 < group.answers
    }

    /// The probe never reached the wire (local shortage), or has been out longer than the host's pipe
    /// time (`pipeTime`): its window place is given back.
    func release(host: Int) {
        lock.withLock {
            guard var timing = hosts[host] else { return }
            releaseLocked(&timing)
            hosts[host] = timing
        }
    }

    private func releaseLocked(_ timing: inout HostTiming) {
        timing.release()
        groupInFlight = max(0, groupInFlight - 1)
    }

    /// A probe outlived its host's pipe time unanswered: its place is free (see HostTiming.leftPipe).
    func leftPipe(host: Int) {
        lock.withLock {
            guard var timing = hosts[host] else { return }
            releaseLocked(&timing)
            // The sweep's window grows with the host's: grown by answers alone, it stayed at its last
            // cut behind a host with 98 % filtered ports and held the host's window half empty.
            if timing.leftPipe() { group.leftPipe() }
            hosts[host] = timing
        }
    }

    /// How long after sending a probe of this host stops counting against the windows (nil: until its deadline).
    func pipeTime(host: Int) -> UInt64? {
        lock.withLock { hosts[host]?.pipeTime }
    }

    func timeout(host: Int, attempt: Int) -> UInt64 {
        lock.withLock {
            guard let timing = hosts[host] else { return policy.timeoutFor(attempt: attempt, host: RTTEstimator()) }
            return timeoutLocked(timing, attempt: attempt)
        }
    }

    /// The host's own estimate once it answered; before that the group's for a first try (the path is
    /// probably alike) and the configured wait for a retry (it may just be farther away).
    private func timeoutLocked(_ timing: HostTiming, attempt: Int) -> UInt64 {
        if timing.rtt.samples > 0 || groupRTT.samples == 0 || attempt > 0 {
            return policy.timeoutFor(attempt: attempt, host: timing.rtt)
        }
        return policy.timeoutFor(attempt: attempt, host: groupRTT)
    }

    func notes(host: Int) -> [HostNote] {
        lock.withLock { hosts[host]?.notes() ?? [] }
    }

    func roundTrip(host: Int) -> UInt64? {
        lock.withLock { hosts[host].flatMap { $0.rtt.samples > 0 ? $0.rtt.srtt : nil } }
    }

    /// The sweep's window and its cuts (tests).
    var groupLimit: Int { lock.withLock { group.limit } }
    var groupCuts: Int { lock.withLock { group.cuts } }

    /// Window cuts of the group and of every host, for the result's counters.
    var cuts: Int {
        lock.withLock { group.cuts + hosts.values.reduce(0) { $0 + $1.window.cuts } }
    }
}
