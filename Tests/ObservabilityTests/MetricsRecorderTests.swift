// Metrics slot files on the MappedFile owner: each live recorder claims its own slot, a scrape sums
// them, and a slot freed by a recorder that is gone is taken over with its counters kept.
import Foundation
import Observability
import Testing

@Suite("Metrics recorder and slot files")
struct MetricsRecorderTests {
    static func folder() -> String { NSTemporaryDirectory() + "skannr-metrics-\(UUID().uuidString)/nested" }

    static func count(_ snapshot: MetricsSnapshot, _ name: String) -> Double {
        PrometheusText.render(snapshot).split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Double($0.split(separator: " ")[1]) } ?? 0
    }

    @Test("two live recorders of one role claim two slots and a scrape sums them")
    func twoSlotsSummed() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder + "/..") }
        let first = try #require(MetricsRecorder(directory: folder, role: "api"))
        let second = try #require(MetricsRecorder(directory: folder, role: "api"))
        #expect(first.path == folder + "/api-0.slot" && second.path == folder + "/api-1.slot")
        first.increment("skannr_test_total", by: 2)
        second.increment("skannr_test_total", by: 3)
        #expect(Self.count(first.collect(), "skannr_test_total") == 5)
    }

    @Test("a slot whose recorder is gone is taken over and its counters keep growing")
    func slotTakenOver() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder + "/..") }
        do {
            let gone = try #require(MetricsRecorder(directory: folder, role: "runner"))
            gone.increment("skannr_test_total", by: 4)
        }
        let next = try #require(MetricsRecorder(directory: folder, role: "runner"))
        #expect(next.path == folder + "/runner-0.slot")
        next.increment("skannr_test_total")
        #expect(Self.count(next.collect(), "skannr_test_total") == 5)
    }

    @Test("without a directory the numbers stay in private memory")
    func privateMemory() throws {
        let recorder = try #require(MetricsRecorder(directory: nil, role: "api"))
        recorder.observe("skannr_test_seconds", seconds: 0.2)
        #expect(recorder.path == nil && recorder.directory == nil)
        #expect(Self.count(recorder.collect(), "skannr_test_seconds_count") == 1)
    }

    @Test("a full table counts what it drops instead of growing; a request writes its counter and histogram")
    func fullTableCountsDrops() throws {
        let recorder = try #require(MetricsRecorder(directory: nil, role: "api"))
        recorder.recordRequest(route: "GET /health", status: 200, seconds: 0.003)
        for index in 0..<300 { recorder.increment("skannr_test_\(index)_total") }
        let text = PrometheusText.render(recorder.collect())
        #expect(text.contains(#"skannr_http_requests_total{route="GET /health",status="200"} 1"#))
        #expect(Self.count(recorder.collect(), MetricNames.seriesDropped) == 300 - 254, "256 entries, 2 taken by the request")
    }
}
