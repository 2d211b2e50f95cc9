// Opaque keyset-pagination cursors: base64url (no padding) of "<id>" for id-ordered lists and of
// "<hex host_key>.<port>" for results. Decoding is strict; nil means "invalid cursor" (HTTP 400).
import Foundation

public enum Cursor {
    public static func encode(id: Int64) -> String { base64URL(Array(String(id).utf8)) }

    public static func decodeID(_ text: String) -> Int64? {
        guard let raw = decodeText(text), let id = Int64(raw), id > 0, String(id) == raw else { return nil }
        return id
    }

    public static func encode(hostKey: [UInt8], port: Int) -> String {
        base64URL(Array((hex(hostKey) + "." + String(port)).utf8))
    }

    public static func decodeHostPort(_ text: String) -> (hostKey: [UInt8], port: Int)? {
        guard let raw = decodeText(text) else { return nil }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 32, let port = Int(parts[1]), (0...65535).contains(port),
              String(port) == parts[1] else { return nil }
        var key: [UInt8] = []
        var chars = parts[0].utf8.makeIterator()
        while let a = chars.next(), let b = chars.next() {
            guard let hi = nibble(a), let lo = nibble(b) else { return nil }
            key.append(hi << 4 | lo)
        }
        return key.count == 16 ? (key, port) : nil
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    private static func decodeText(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 200, text.utf8.count % 4 != 1,
              text.utf8.allSatisfy(isBase64URL) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        return String(validating: Array(data), as: UTF8.self)
    }

    private static func isBase64URL(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
}

/// One page of a keyset-paginated list; `nextCursor` is nil on the last page.
public struct Page<Item> {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
