// The metrics endpoint through nginx: absent from the public HTTPS server, answered on the
// loopback-only metrics server with every worker's counters summed (requests may land on any worker).
import Foundation
import HTTPClient
import Testing
import TestSupport

enum MetricsScrape {
    /// `http://127.0.0.1:<port>` of the stack's metrics server (scripts/lib/stack.sh writes metrics_port).
    static var baseURL: String? {
        guard let text = try? String(contentsOfFile: TestStack.runtimeDirectory + "/metrics_port", encoding: .utf8),
              let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return "http://127.0.0.1:\(port)"
    }

    static var unavailableReason: String? { baseURL == nil ? "the stack has no metrics server (no metrics_port file)" : nil }

    static func fetch(_ path: String = "/metrics") throws -> HTTPResponse {
        let client = try HTTPClient(timeout: .seconds(10))
        return try client.send(HTTPRequest(url: (baseURL ?? "http://127.0.0.1:9") + path))
    }

    /// The value of the sample line that starts with `series` followed by a space (0 when absent).
    static func value(_ text: String, _ series: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? -1
        }
        return 0
    }
}

@Suite("Metrics endpoint", .needsStack, .needs(MetricsScrape.unavailableReason), .serialized)
struct OperationsMetricsTests {
    @Test("/metrics on the public HTTPS port is a JSON 404, also when the client claims the metrics scope")
    func publicPortHasNoMetrics() throws {
        let client = try APIClient()
        let root = TestStack.baseURL.replacingOccurrences(of: "/api/v1", with: "")
        for path in ["/metrics", "/api/v1/metrics", "/api/v1/../metrics", "/metrics?format=text"] {
            let response = try client.raw(HTTPRequest(url: root + path, headers: [("X-Skannr-Scope", "metrics")]))
            #expect(response.status == 404, "\(path)")
            #expect(!String(decoding: response.body, as: UTF8.self).contains("skannr_http_requests_total"), "\(path)")
        }
    }

    @Test("the internal port counts /health requests from every worker and reports the queue from SQL")
    func internalPortCounts() throws {
        let series = "skannr_http_requests_total{route=\"/health\",status=\"200\"}"
        let before = try MetricsScrape.fetch()
        #expect(before.status == 200)
        #expect(before.headers["content-type"]?.hasPrefix("text/plain") == true)
        let initial = MetricsScrape.value(String(decoding: before.body, as: UTF8.self), series)

        // Fresh connections each time, so nginx spreads them over the pool's workers.
        for _ in 0..<12 { #expect(try APIClient().get("/health").status == 200) }

        let after = try MetricsScrape.fetch()
        let text = String(decoding: after.body, as: UTF8.self)
        #expect(MetricsScrape.value(text, series) >= initial + 12, "\(text.prefix(2000))")
        #expect(text.contains("# TYPE skannr_http_request_duration_seconds histogram"))
        #expect(text.contains("skannr_http_request_duration_seconds_bucket{route=\"/health\",status=\"200\",le=\"+Inf\"}"))
        #expect(MetricsScrape.value(text, "skannr_database_up") == 1)
        #expect(text.contains("skannr_scans{status=\"pending\"}"))
        #expect(text.contains("# TYPE skannr_scan_queue_depth gauge"))
        #expect(text.contains("skannr_scan_leases_expired "))
    }

    @Test("pending scans inserted with SQL show in the queue depth and the scans-by-status gauge")
    func queueDepthFollowsTheDatabase() throws {
        let account = try TestAccount.make(plan: "business")
        let db = try TestStack.appDatabase()
        var scans: [Int64] = []
        for index in 1...3 {
            let target = try account.target("198.51.100.\(index)")
            scans.append(try Seed.scan(db, account: account.id, target: target, status: "pending", created: Date().addingTimeInterval(-120)))
        }
        defer { for id in scans { _ = try? db.execute("DELETE FROM scans WHERE id = ?", [.int(id)]) } }
        let text = String(decoding: try MetricsScrape.fetch().body, as: UTF8.self)
        #expect(MetricsScrape.value(text, "skannr_scan_queue_depth") >= 3)
        #expect(MetricsScrape.value(text, "skannr_scans{status=\"pending\"}") >= 3)
        #expect(MetricsScrape.value(text, "skannr_scan_queue_oldest_seconds") >= 119)
    }

    @Test("the metrics server answers nothing but /metrics")
    func internalPortOnlyMetrics() throws {
        #expect(try MetricsScrape.fetch("/api/v1/health").status == 404)
        #expect(try MetricsScrape.fetch("/").status == 404)
    }
}
