// Reading slot files: the published entries of one file, and the sum over every file of a directory
// (the pool's workers and the scan-runner, including files of processes that have died: their counts
// stay part of the totals, so counters never go backwards when a worker is replaced).

import Foundation
import Glibc
import SystemIO

public struct MetricsSnapshot: Sendable {
    /// Series key -> words (count, sum in microseconds, non-cumulative bucket counts).
    public private(set) var series: [String: [UInt64]] = [:]
    public private(set) var dropped: UInt64 = 0
    /// Keys in table order, "" for an entry not yet written (used to adopt a file).
    private(set) var keysInOrder: [String] = []

    public init() {}

    /// Decodes one slot file's bytes; anything malformed decodes as empty.
    init(bytes: [UInt8]) {
        guard bytes.count >= MetricsLayout.fileBytes else { return }
        func word(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for shift in 0..<8 { value |= UInt64(bytes[offset + shift]) << (8 * UInt64(shift)) }
            return value
        }
        guard word(0) == MetricsLayout.magic else { return }
        dropped = word(8 * MetricsLayout.droppedWord)
        let published = min(Int(word(8 * MetricsLayout.entriesWord)), MetricsLayout.capacity)
        for slot in 0..<published {
            let start = MetricsLayout.headerBytes + slot * MetricsLayout.entryBytes
            let keyEnd = bytes[start..<(start + MetricsLayout.keyBytes)].firstIndex(of: 0) ?? (start + MetricsLayout.keyBytes)
            let key = String(decoding: bytes[start..<keyEnd], as: UTF8.self)
            keysInOrder.append(key)
            guard !key.isEmpty else { continue }
            let valuesStart = start + MetricsLayout.keyBytes
            series[key] = (0..<MetricsLayout.words).map { word(valuesStart + 8 * $0) }
        }
    }

    /// Adds another snapshot's counts to this one.
    public mutating func merge(_ other: MetricsSnapshot) {
        dropped &+= other.dropped
        for (key, words) in other.series {
            if let mine = series[key] {
                series[key] = zip(mine, words).map { $0 &+ $1 }
            } else {
                series[key] = words
            }
        }
    }

    /// The sum of every `*.slot` file in `directory` (unreadable files are skipped).
    public static func collect(directory: String) -> MetricsSnapshot {
        var total = MetricsSnapshot()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".slot") {
            guard let bytes = readFile("\(directory)/\(name)") else { continue }
            total.merge(MetricsSnapshot(bytes: bytes))
        }
        return total
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        FileIO.read(path: path, count: MetricsLayout.fileBytes)
    }
}
