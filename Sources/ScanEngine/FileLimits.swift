// Raises RLIMIT_NOFILE to its hard limit once and says how many fds a sweep may keep in flight.
// Trap: keep a reserve for the rest of the process (database, logs, TLS probes).
import Glibc

enum FileLimits {
    static let reserve = 256

    /// Raises the soft limit to the hard limit; returns the probes that fit under it.
    static func raiseAndReserve() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 - reserve }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let soft = Int(min(limit.rlim_cur, 1 << 20))   // RLIM_INFINITY is UInt.max: capped too
        return max(16, soft - reserve)
    }
}
