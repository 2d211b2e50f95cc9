// When a failed delivery is tried again: the contract's backoff (about 1 min, 5 min, 30 min, 2 h,
// 6 h, 12 h), then `failed`. Configurable (SKANNR_NOTIFY_BACKOFF_SECONDS) so tests run in seconds.
public struct RetrySchedule: Sendable, Equatable {
    /// Seconds to wait after the 1st, 2nd, ... failed attempt.
    public let delays: [Int]

    public static let standard = RetrySchedule(delays: [60, 300, 1800, 7200, 21600, 43200])

    public init(delays: [Int]) { self.delays = delays }

    /// "60,300,1800": every entry a positive integer, at least one.
    public static func parse(_ text: String) -> RetrySchedule? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return RetrySchedule(delays: parts.compactMap { $0 })
    }

    /// The wait after `attempts` failed attempts, or nil when the delivery has failed for good.
    public func delay(afterAttempts attempts: Int) -> Int? {
        guard attempts >= 1, attempts <= delays.count else { return nil }
        return delays[attempts - 1]
    }

    /// Attempts a delivery gets in all (the first plus one per delay).
    public var maxAttempts: Int { delays.count + 1 }
}
