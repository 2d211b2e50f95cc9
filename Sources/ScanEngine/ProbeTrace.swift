// Diagnostics for the WAN bench: SKANNR_PROBE_TRACE=FILE appends one line per probe event of managed
// hosts ("send|open|closed|unreachable|timeout T_NS HOST PORT ATTEMPT", CLOCK_MONOTONIC, the clock
// wanlink's --drop-log uses). Buffered per worker and written when the worker ends: no I/O in the loop.
import Glibc

struct ProbeTrace {
    private static let path: String? = getenv("SKANNR_PROBE_TRACE").map { String(cString: $0) }
    private var lines: [String] = []

    static func make() -> ProbeTrace? { path == nil ? nil : ProbeTrace() }

    mutating func record(_ event: String, now: UInt64, host: Int, port: UInt16, attempt: Int) {
        lines.append("\(event) \(now) \(host) \(port) \(attempt)\n")
    }

    func write() {
        guard let path = Self.path, !lines.isEmpty else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let text = lines.joined()
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        close(fd)
    }
}
