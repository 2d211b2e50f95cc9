// A set of ports that stays small: a sorted-on-demand array up to 4096 ports, then a 8 KB bitmap.
// Why: a dark /20 swept over 1–65535 would otherwise hold 4096 × 65535 filtered ports as arrays (0.5 GB).

struct PortSet: Sendable {
    private static let arrayLimit = 4096
    private var small: [UInt16] = []
    private var bits: [UInt64]? = nil
    private(set) var count = 0

    /// Each port is inserted at most once per host (every port gets exactly one final state).
    mutating func insert(_ port: UInt16) {
        guard var map = bits else {
            small.append(port)
            count += 1
            if small.count > Self.arrayLimit { toBitmap() }
            return
        }
        bits = nil   // keep the buffer uniquely referenced while it changes
        let word = Int(port >> 6), mask = UInt64(1) << UInt64(port & 63)
        if map[word] & mask == 0 {
            map[word] |= mask
            count += 1
        }
        bits = map
    }

    mutating func formUnion(_ other: PortSet) {
        for port in other.sorted() { insert(port) }
    }

    func contains(_ port: UInt16) -> Bool {
        if let bits { return bits[Int(port >> 6)] & (UInt64(1) << UInt64(port & 63)) != 0 }
        return small.contains(port)
    }

    func sorted() -> [UInt16] {
        guard let bits else { return small.sorted() }
        var out: [UInt16] = []
        out.reserveCapacity(count)
        for (i, word) in bits.enumerated() where word != 0 {
            var w = word
            while w != 0 {
                out.append(UInt16(i * 64 + w.trailingZeroBitCount))
                w &= w - 1
            }
        }
        return out
    }

    private mutating func toBitmap() {
        var map = [UInt64](repeating: 0, count: 1024)
        for port in small { map[Int(port >> 6)] |= UInt64(1) << UInt64(port & 63) }
        small = []
        bits = map
        count = map.reduce(0) { $0 + $1.nonzeroBitCount }
    }
}

extension PortSet: Equatable {
    static func == (a: PortSet, b: PortSet) -> Bool { a.count == b.count && a.sorted() == b.sorted() }
}
