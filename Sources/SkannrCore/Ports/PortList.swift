// A custom port list such as "22,80,443,8000-8100". Items are single ports or ascending ranges in
// 1-65535, spaces around items ignored. Decision: a port listed twice or ranges that overlap are
// REJECTED (the issue asks for "no duplicates after normalisation"); adjacent items are merged in
// the canonical text ("80,81" -> "80-81"), which is sorted ascending.
public struct PortList: Hashable, Sendable, Sequence, CustomStringConvertible {
    /// Sorted, non-overlapping, non-adjacent ranges.
    public let ranges: [ClosedRange<UInt16>]

    public static let maxTextLength = 16_384

    public init(ranges unsorted: [ClosedRange<UInt16>]) {
        var merged: [ClosedRange<UInt16>] = []
        for range in unsorted.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, UInt32(range.lowerBound) <= UInt32(last.upperBound) + 1 {
                merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    public static func parse(_ text: String) throws(PortListError) -> PortList {
        guard text.utf8.count <= maxTextLength else { throw PortListError("the port list is too long") }
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        var ranges: [ClosedRange<UInt16>] = []
        for raw in items {
            let item = raw.trimmingSpaces()
            guard !item.isEmpty else { throw PortListError("the port list has an empty item") }
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else { throw PortListError("'\(item)' is not a port or a range like 8000-8100") }
            let low = try port(bounds[0].trimmingSpaces(), in: item)
            let high = bounds.count == 2 ? try port(bounds[1].trimmingSpaces(), in: item) : low
            guard low <= high else { throw PortListError("the range '\(item)' goes backwards; write \(high)-\(low)") }
            ranges.append(low...high)
        }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.lowerBound <= a.upperBound {
            throw PortListError(a == b && a.count == 1
                ? "port \(a.lowerBound) is listed twice"
                : "\(Self.text(a)) and \(Self.text(b)) overlap: each port may be listed once")
        }
        return PortList(ranges: ranges)
    }

    private static func port(_ text: Substring, in item: Substring) throws(PortListError) -> UInt16 {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let value = Int(text) else {
            throw PortListError("'\(item)' is not a port number or a range like 8000-8100")
        }
        guard (1...65535).contains(value) else { throw PortListError("port \(value) is outside 1-65535") }
        return UInt16(value)
    }

    private static func text(_ range: ClosedRange<UInt16>) -> String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }

    /// Canonical text: sorted, adjacent items merged, no spaces.
    public var description: String { ranges.map(Self.text).joined(separator: ",") }

    /// Number of ports in the list.
    public var count: Int { ranges.reduce(0) { $0 + $1.count } }

    public func contains(_ port: UInt16) -> Bool { ranges.contains { $0.contains(port) } }

    public func makeIterator() -> FlattenSequence<[ClosedRange<UInt16>]>.Iterator {
        ranges.joined().makeIterator()
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
