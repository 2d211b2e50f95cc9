// Pure politeness limiter: a token bucket refilled from a clock passed in (no sleeps, no locks here).
// Trap: capacity is one second of tokens, so a limit of N/s allows a burst of N at the start.

struct TokenBucket: Equatable {
    let ratePerSecond: Int
    private(set) var tokens: Double
    private(set) var last: UInt64

    init(ratePerSecond: Int, now: UInt64) {
        self.ratePerSecond = max(1, ratePerSecond)
        self.tokens = Double(max(1, ratePerSecond))
        self.last = now
    }

    private mutating func refill(now: UInt64) {
        guard now > last else { return }
        let added = Double(now - last) / 1e9 * Double(ratePerSecond)
        tokens = min(Double(ratePerSecond), tokens + added)
        last = now
    }

    /// Tokens that can be spent now, without spending them.
    mutating func available(now: UInt64) -> Int {
        refill(now: now)
        return Int(tokens.rounded(.down))
    }

    mutating func spend(_ n: Int) {
        tokens -= Double(n)
    }

    /// Nanoseconds until one token is available (0 when one is available now).
    mutating func wait(now: UInt64) -> UInt64 {
        refill(now: now)
        guard tokens < 1 else { return 0 }
        return UInt64(((1 - tokens) / Double(ratePerSecond) * 1e9).rounded(.up))
    }
}
