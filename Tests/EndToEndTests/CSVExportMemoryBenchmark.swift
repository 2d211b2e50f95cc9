// Issue 19 benchmark (opt-in: SKANNR_CSV_BENCH=<alerts>, e.g. 1000000): CSV export of that many
// alerts through nginx while every pool worker's resident memory is sampled. Streaming page by
// page keeps a worker's memory flat; the figures go to docs/benchmarks.md. Not a timed assertion:
// it checks only that every row arrived and prints what it measured.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("CSV export memory (benchmark, issue 19)", .serialized,
       .needsStack, .optIn("SKANNR_CSV_BENCH"))
struct CSVExportMemoryBenchmark {
    static func workerRSSKiB() -> [Int32: Int] {
        guard let pool = try? TestStack.control("pool-pid").trimmingCharacters(in: .whitespacesAndNewlines),
              let children = try? String(contentsOfFile: "/proc/\(pool)/task/\(pool)/children", encoding: .utf8) else { return [:] }
        var out: [Int32: Int] = [:]
        for pid in children.split(separator: " ").compactMap({ Int32($0) }) {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { continue }
            out[pid] = kib
        }
        return out
    }

    @Test("exporting N alerts as CSV streams them all with flat worker memory")
    func export() throws {
        let count = Int(ProcessInfo.processInfo.environment["SKANNR_CSV_BENCH"] ?? "") ?? 1_000_000
        let account = try TestAccount.make()
        let target = try account.target("10.69.\(Int.random(in: 0...255)).1")
        let db = try TestStack.appDatabase()
        let scan = try Seed.scan(db, account: account.id, target: target)
        let batch = 100_000
        for start in stride(from: 0, to: count, by: batch) {
            try db.execute("""
                INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, dedupe_key, created_at)
                SELECT ?, ?, ?, 'new_port', 'high', '10.69.0.1', 1 + seq % 65535, CONCAT('New open port ', seq), '{}', 'open',
                       CONCAT('bench-', ?, '-', seq), UTC_TIMESTAMP(6)
                FROM seq_\(start)_to_\(min(count, start + batch) - 1)
                """, [.int(account.id), .int(target), .int(scan), .text(UUID().uuidString)])
        }
        let before = Self.workerRSSKiB()
        let sampler = Sampler()
        let thread = Thread { sampler.run() }
        thread.start()
        let started = Date()
        let output = try Shell.run("/usr/bin/curl", ["-sS", "--cacert", TestStack.caFile ?? "", "-H", "Authorization: Bearer \(account.token)",
                                                     "-H", "Accept: text/csv", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                                     TestStack.baseURL + "/alerts"])
        let seconds = Date().timeIntervalSince(started)
        sampler.stop()
        usleep(100_000)
        let parts = output.split(separator: " ")
        #expect(parts.first == "200", "\(output)")
        let bytes = Int(parts.last ?? "") ?? 0
        let growth = sampler.peak().map { pid, kib in kib - (before[pid] ?? kib) }.max() ?? -1
        print("SKANNR-FIGURES csv-export alerts=\(count) bytes=\(bytes) seconds=\(Int(seconds)) worker_rss_before_kib=\(before.values.max() ?? 0) worker_rss_peak_growth_kib=\(growth)")
        #expect(bytes > count * 40, "every row arrived: \(bytes) bytes")
    }

    /// Samples every worker's RSS every 50 ms until stopped, keeping each worker's peak.
    final class Sampler: @unchecked Sendable {
        private let lock = NSLock()
        private var peaks: [Int32: Int] = [:]
        private var stopped = false

        func run() {
            while !lock.withLock({ stopped }) {
                let now = CSVExportMemoryBenchmark.workerRSSKiB()
                lock.withLock { for (pid, kib) in now { peaks[pid] = max(peaks[pid] ?? 0, kib) } }
                usleep(50_000)
            }
        }
        func stop() { lock.withLock { stopped = true } }
        func peak() -> [Int32: Int] { lock.withLock { peaks } }
    }
}
