// Records this process's request and scan metrics into its slot (see MetricsSlotFile). Thread-safe:
// the scan-runner records from several scan threads; a responder worker from its one thread.
// Label values are escaped here, once, so a route pattern can never break the text format.

import Foundation
import Synchronization

public final class MetricsRecorder: Sendable {
    /// The slot has one writer: this process, one thread at a time.
    private let slot: Mutex<MetricsSlotFile>
    /// The shared directory, or nil when this process keeps its numbers to itself.
    public let directory: String?
    /// The slot file's path (nil for private memory).
    public let path: String?

    /// A recorder writing `<directory>/<role>-<n>.slot`; falls back to private memory when the
    /// directory is nil or unusable (then `directory` is nil and only this process's numbers show).
    public init?(directory: String?, role: String) {
        if let directory, let file = MetricsSlotFile(directory: directory, role: role) {
            path = file.path
            slot = Mutex(file)
            self.directory = directory
        } else if let memory = MetricsSlotFile() {
            path = nil
            slot = Mutex(memory)
            self.directory = nil
        } else {
            return nil
        }
    }

    public func increment(_ name: String, labels: [(String, String)] = [], by amount: UInt64 = 1) {
        let key = Self.key(.counter, name, Self.labelText(labels))
        slot.withLock { $0.record(key: key, kind: .counter, value: 0, amount: amount) }
    }

    public func observe(_ name: String, labels: [(String, String)] = [], seconds: Double) {
        let key = Self.key(.histogram, name, Self.labelText(labels))
        slot.withLock { $0.record(key: key, kind: .histogram, value: seconds) }
    }

    /// One API request (called by SkannrAPI.Application for every response it makes): the labels
    /// are escaped once and both series are written under one lock.
    public func recordRequest(route: String, status: Int, seconds: Double) {
        let labels = Self.labelText([("route", route), ("status", String(status))])
        let counter = Self.key(.counter, MetricNames.httpRequests, labels)
        let histogram = Self.key(.histogram, MetricNames.httpDuration, labels)
        slot.withLock { slot in
            slot.record(key: counter, kind: .counter, value: 0)
            slot.record(key: histogram, kind: .histogram, value: seconds)
        }
    }

    /// Everything this recorder holds when it has no shared directory (the scrape then shows it alone).
    public func ownSnapshot() -> MetricsSnapshot {
        slot.withLock { MetricsSnapshot(bytes: $0.bytes()) }
    }

    /// What a scrape sums: every slot file of the directory, or this process's own numbers.
    public func collect() -> MetricsSnapshot {
        directory.map(MetricsSnapshot.collect(directory:)) ?? ownSnapshot()
    }

    static func key(_ kind: MetricKind, _ name: String, _ labelText: String) -> String {
        "\(kind.rawValue)|\(name)|" + labelText
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        labels.map { "\($0.0)=\"\(PrometheusText.escape($0.1))\"" }.joined(separator: ",")
    }
}
