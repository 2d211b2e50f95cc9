// Prometheus text exposition format 0.0.4: HELP/TYPE lines, counters, cumulative histogram buckets
// with `le`, `_sum` and `_count`. Histogram buckets are stored non-cumulative and summed here.

import Foundation

public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition of a snapshot plus families computed at scrape time, sorted by name.
    public static func render(_ snapshot: MetricsSnapshot, extra: [MetricFamily] = []) -> String {
        var byName: [String: [(kind: MetricKind, labels: String, words: [UInt64])]] = [:]
        for (key, words) in snapshot.series {
            let parts = key.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let kindCharacter = parts[0].first, let kind = MetricKind(rawValue: kindCharacter) else { continue }
            byName[String(parts[1]), default: []].append((kind, String(parts[2]), words))
        }
        var out = ""
        for name in byName.keys.sorted() {
            let series = (byName[name] ?? []).sorted { $0.labels < $1.labels }
            guard let kind = series.first?.kind else { continue }
            header(&out, name, kind == .histogram ? "histogram" : "counter")
            for item in series where item.kind == kind {
                kind == .histogram ? histogram(&out, name, item.labels, item.words) : line(&out, name, item.labels, Double(item.words[0]))
            }
        }
        header(&out, MetricNames.seriesDropped, "counter")
        line(&out, MetricNames.seriesDropped, "", Double(snapshot.dropped))
        for family in extra {
            header(&out, family.name, family.type)
            for sample in family.samples {
                line(&out, family.name, sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ","), sample.value)
            }
        }
        return out
    }

    /// Label value escaping: backslash, double quote and newline.
    public static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func header(_ out: inout String, _ name: String, _ type: String) {
        out += "# HELP \(name) \(MetricNames.help[name] ?? name)\n# TYPE \(name) \(type)\n"
    }

    private static func line(_ out: inout String, _ name: String, _ labels: String, _ value: Double) {
        out += labels.isEmpty ? "\(name) \(number(value))\n" : "\(name){\(labels)} \(number(value))\n"
    }

    private static func histogram(_ out: inout String, _ name: String, _ labels: String, _ words: [UInt64]) {
        guard words.count == MetricsLayout.words else { return }
        let prefix = labels.isEmpty ? "" : labels + ","
        var cumulative: UInt64 = 0
        for (index, bound) in MetricsLayout.bounds.enumerated() {
            cumulative &+= words[2 + index]
            out += "\(name)_bucket{\(prefix)le=\"\(number(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(words[0])\n"
        line(&out, name + "_sum", labels, Double(words[1]) / 1_000_000)
        line(&out, name + "_count", labels, Double(words[0]))
    }
}
