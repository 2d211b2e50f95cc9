// Errors of the scan-runner as values with a code. `leaseLost` means "stop working on this scan,
// write nothing more": another runner owns it, or it was cancelled or deleted.
public struct RunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case configuration
        /// The fenced write matched no row: the lease was taken over, or the scan was cancelled/deleted.
        case leaseLost = "lease_lost"
        /// The scan cannot run as stored (bad port list, unknown address type): fail it, do not retry.
        case invalidScan = "invalid_scan"
        /// No address of the target may be scanned (private/reserved and not allowed), or none resolved.
        case notAllowed = "target_not_allowed"
        case resolveFailed = "resolve_failed"
        /// DNS did not answer in time or failed temporarily (after retries): the scan is retried later.
        case resolveUnavailable = "resolve_unavailable"
        case engine
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Permanent failures end the scan `failed` at once; anything else is retried up to max attempts.
    public var isPermanent: Bool { [.invalidScan, .notAllowed, .resolveFailed].contains(code) }

    public var description: String { "\(code.rawValue): \(message)" }
}
