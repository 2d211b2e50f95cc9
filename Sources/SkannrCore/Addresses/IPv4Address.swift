// An IPv4 address as a 32-bit number. Parsing is strict dotted-quad: four decimal octets 0-255,
// no leading zeros (so "010.0.0.1" is never read as octal), no shorthand forms like "10.1".
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a strict dotted quad; throws a validation error naming what is wrong.
    public static func parse(_ text: Substring) throws(AddressError) -> IPv4Address {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw .invalid("an IPv4 address has four numbers separated by dots") }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw .invalid("each IPv4 part is a number from 0 to 255")
            }
            guard part.count == 1 || part.first != "0" else {
                throw .invalid("IPv4 parts must not have leading zeros")
            }
            guard let octet = UInt32(part), octet <= 255 else {
                throw .invalid("each IPv4 part is a number from 0 to 255")
            }
            value = value << 8 | octet
        }
        return IPv4Address(value)
    }

    public static func parse(_ text: String) throws(AddressError) -> IPv4Address {
        try parse(Substring(text))
    }

    public var octets: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}
