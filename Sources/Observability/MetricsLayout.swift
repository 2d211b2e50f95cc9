// The fixed layout of a metrics slot file, shared by the writer (MetricsSlotFile) and the reader
// (MetricsExposition). Changing any number here changes `magic`, so old files are reset, not misread.

enum MetricsLayout {
    static let magic: UInt64 = 0x3254_454D_524E_4B53  // "SKNRMET2" little-endian
    static let headerBytes = 64
    /// Series key: `<kind>|<metric name>|<label text>`, NUL-padded.
    static let keyBytes = 160
    /// Upper bounds (seconds) of every histogram: request latencies at the low end, scans at the high end.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
    /// Words of an entry: count, sum in microseconds, then one non-cumulative count per bound.
    static let words = 2 + bounds.count
    static let entryBytes = keyBytes + 8 * words
    static let capacity = 256
    static let fileBytes = headerBytes + capacity * entryBytes

    // Header words: 0 magic, 1 published entries, 2 series dropped because the table was full.
    static let entriesWord = 1
    static let droppedWord = 2

    /// The bucket an observation falls in; nil above the last bound (+Inf only).
    static func bucket(for value: Double) -> Int? { bounds.firstIndex { value <= $0 } }
}

/// What a series is: a counter adds to its count; a histogram also keeps sum and buckets.
public enum MetricKind: Character, Sendable {
    case counter = "c"
    case histogram = "h"
}
