// GET /metrics (Prometheus text) for the loopback-only nginx server: the sum of every process's
// metrics slot (SKANNR_METRICS_DIR) plus queue gauges read from MariaDB at scrape time.
// Trap: answered only for the exact path /metrics AND the X-Skannr-Scope header that nginx sets from
// $server_port (nginx replaces any client-sent header of that name); the public server never passes
// /metrics on, and everything else is the API's 404. Scrapes are neither logged nor counted.

import Foundation
import Observability
import SkannrStore
import HTTPMessage

enum MetricsEndpoint {
    static let path = "/metrics"
    static let scopeHeader = "x-skannr-scope"

    static func isScrape(_ request: APIRequest) -> Bool {
        request.path == path && request.header(scopeHeader) == "metrics"
    }

    static func respond(services: Services) -> APIResponse {
        let snapshot = services.metrics?.collect() ?? MetricsSnapshot()
        let text = PrometheusText.render(snapshot, extra: databaseFamilies(services: services))
        var response = APIResponse(status: 200, headers: [("Content-Type", PrometheusText.contentType)], body: Array(text.utf8))
        response.setHeader("Cache-Control", "no-store")
        return response
    }

    private static func databaseFamilies(services: Services) -> [MetricFamily] {
        guard let stores = try? services.stores(), let gauges = try? stores.queueGauges() else {
            return [MetricFamily(name: MetricNames.databaseUp, samples: [([], 0)])]
        }
        return [
            MetricFamily(name: MetricNames.databaseUp, samples: [([], 1)]),
            MetricFamily(name: MetricNames.scans, samples: OperationsStore.statuses.map { ([("status", $0)], Double(gauges.scansByStatus[$0] ?? 0)) }),
            MetricFamily(name: MetricNames.queueDepth, samples: [([], Double(gauges.pending))]),
            MetricFamily(name: MetricNames.queueOldest, samples: [([], gauges.oldestPendingSeconds)]),
            MetricFamily(name: MetricNames.leasesExpired, samples: [([], Double(gauges.leasesExpired))]),
        ] + notificationFamilies(stores)
    }

    /// The notification outbox: pending deliveries and the oldest one's age (absent when unreadable).
    private static func notificationFamilies(_ stores: Stores) -> [MetricFamily] {
        guard let outbox = try? stores.outboxGauges() else { return [] }
        return [
            MetricFamily(name: MetricNames.notifyQueueDepth, samples: [([], Double(outbox.pending))]),
            MetricFamily(name: MetricNames.notifyQueueOldest, samples: [([], outbox.oldestSeconds)]),
        ]
    }
}
