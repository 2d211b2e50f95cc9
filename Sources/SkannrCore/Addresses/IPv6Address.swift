// An IPv6 address as two 64-bit halves. Parses every RFC 4291 textual form (full, `::`
// compressed, embedded dotted IPv4 in the last 32 bits); zone ids (`%eth0`) are rejected.
// `description` is the RFC 5952 canonical text: lowercase, no leading zeros, the longest run of
// two or more zero groups (the first on a tie) as `::`, and `::ffff:a.b.c.d` for IPv4-mapped.

import Foundation

public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(groups: [UInt16]) {
        precondition(groups.count == 8)
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        self.init(high: h, low: l)
    }

    public var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    /// The embedded IPv4 address when this is IPv4-mapped (`::ffff:0:0/96`).
    public var ipv4Mapped: IPv4Address? {
        high == 0 && low >> 32 == 0xffff ? IPv4Address(UInt32(truncatingIfNeeded: low)) : nil
    }

    public static func parse(_ text: Substring) throws(AddressError) -> IPv6Address {
        if text.contains("%") { throw .invalid("IPv6 zone ids (%...) are not accepted") }
        guard text.count <= 45 else { throw .invalid("not a valid IPv6 address") }
        var head: [UInt16] = [], tail: [UInt16] = []
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { throw .invalid("an IPv6 address may contain '::' only once") }
        let compressed = halves.count == 2
        head = try groups(of: Substring(halves[0]), last: !compressed)
        if compressed { tail = try groups(of: Substring(halves[1]), last: true) }
        let total = head.count + tail.count
        if compressed {
            guard total <= 7 else { throw .invalid("an IPv6 address has at most eight groups") }
            return IPv6Address(groups: head + Array(repeating: 0, count: 8 - total) + tail)
        }
        guard total == 8 else { throw .invalid("an IPv6 address has eight groups (or uses '::')") }
        return IPv6Address(groups: head)
    }

    public static func parse(_ text: String) throws(AddressError) -> IPv6Address {
        try parse(Substring(text))
    }

    /// Colon-separated hex groups; the final one may be a dotted IPv4 address when `last`.
    private static func groups(of part: Substring, last: Bool) throws(AddressError) -> [UInt16] {
        if part.isEmpty { return [] }
        let items = part.split(separator: ":", omittingEmptySubsequences: false)
        var out: [UInt16] = []
        for (index, item) in items.enumerated() {
            if last && index == items.count - 1 && item.contains(".") {
                let v4 = try IPv4Address.parse(item)
                out.append(UInt16(v4.value >> 16))
                out.append(UInt16(v4.value & 0xffff))
                continue
            }
            guard (1...4).contains(item.count), let group = UInt16(item, radix: 16),
                  item.allSatisfy(\.isHexDigit) else {
                throw .invalid("each IPv6 group is one to four hex digits")
            }
            out.append(group)
        }
        return out
    }

    public var description: String {
        if let v4 = ipv4Mapped { return "::ffff:\(v4)" }
        let g = groups
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            guard g[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && g[end] == 0 { end += 1 }
            if end - index > bestLength { bestStart = index; bestLength = end - index }
            index = end
        }
        let hex = g.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let left = hex[..<bestStart].joined(separator: ":")
        let right = hex[(bestStart + bestLength)...].joined(separator: ":")
        return left + "::" + right
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
