// Pure detector of a host that rate-limits its resets (firewalls, BSD stacks: ~50–200 RST/s): closed
// ports go silent in bursts while open ports keep answering. Trap: congestion also silences ports, so
// the signature needs all of: few first-try answers for what is sent, and many closed ports that were
// silent on one try and refused on a later one, at a flat queue delay, with open ports unaffected.

struct ResetLimitDetector: Equatable, Sendable {
    /// Length of one measuring interval.
    static let interval: UInt64 = 1_000_000_000

    struct Bucket: Equatable, Sendable {
        var sent = 0
        var answeredFirstTry = 0
        var closedFirstTry = 0
        var closedLate = 0
        var openFirstTry = 0
        var openLate = 0
    }

    private(set) var bucket = Bucket()
    private var bucketStart: UInt64
    /// Set once the limit is recognised: resets per second seen in the interval that showed it.
    private(set) var detectedRate: Int?
    private var queueWasFlat = true
    /// Intervals in a row that showed the signature; two are needed (a congestion episode lasts one).
    private var suspectIntervals = 0

    init(now: UInt64) { bucketStart = now }

    var isLimited: Bool { detectedRate != nil }

    mutating func sent(now: UInt64) {
        roll(now: now, queueIsFlat: queueWasFlat)
        bucket.sent += 1
    }

    /// An answer (`open` true: the handshake completed; false: refused) on try `attempt` (0 = first).
    /// `queueIsFlat`: the host's queue delay is low, so silence is not the path's congestion.
    mutating func answered(open: Bool, attempt: Int, now: UInt64, queueIsFlat: Bool) {
        queueWasFlat = queueIsFlat
        roll(now: now, queueIsFlat: queueIsFlat)
        if attempt == 0 { bucket.answeredFirstTry += 1 }
        switch (open, attempt == 0) {
        case (true, true): bucket.openFirstTry += 1
        case (true, false): bucket.openLate += 1
        case (false, true): bucket.closedFirstTry += 1
        case (false, false): bucket.closedLate += 1
        }
    }

    /// Closes the interval when it is over and judges it.
    private mutating func roll(now: UInt64, queueIsFlat: Bool) {
        guard now >= bucketStart + Self.interval else { return }
        if detectedRate == nil {
            suspectIntervals = queueIsFlat && Self.showsLimit(bucket) ? suspectIntervals + 1 : 0
            if suspectIntervals >= 2 {
                detectedRate = (bucket.closedFirstTry + bucket.closedLate) * 1_000_000_000 / Int(max(1, now - bucketStart))
            }
        }
        bucket = Bucket()
        bucketStart = now
    }

    /// The signature over one interval: three quarters of the probes unanswered on their first try, a
    /// fifth or more of the refusals only on a retry, and open ports not suffering the same (else it is the path).
    static func showsLimit(_ b: Bucket) -> Bool {
        let closed = b.closedFirstTry + b.closedLate
        guard b.sent >= 50, b.closedLate >= 5 else { return false }
        guard 4 * b.answeredFirstTry < b.sent, 5 * b.closedLate >= closed else { return false }
        let open = b.openFirstTry + b.openLate
        return open < 5 || 10 * b.openLate < open
    }
}
