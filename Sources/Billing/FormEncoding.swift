// Stripe's request bodies: application/x-www-form-urlencoded with bracket syntax for nesting
// (`line_items[0][price]=price_1`, `metadata[account_id]=7`). Brackets stay literal, as Stripe's
// own libraries send them; everything outside RFC 3986's unreserved set is percent-encoded.

public indirect enum FormValue: Sendable, Equatable {
    case string(String)
    case list([FormValue])
    case dictionary([(String, FormValue)])

    public static func == (lhs: FormValue, rhs: FormValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.dictionary(let a), .dictionary(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }
}

extension FormValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

public enum FormEncoding {
    /// Flattens ordered fields into `key=value` pairs joined by `&`, keeping the given order.
    public static func encode(_ fields: [(String, FormValue)]) -> String {
        pairs(fields).map { escape($0.0, keepBrackets: true) + "=" + escape($0.1, keepBrackets: false) }
            .joined(separator: "&")
    }

    /// The flattened `(key, value)` pairs before escaping, e.g. `("line_items[0][price]", "price_1")`.
    public static func pairs(_ fields: [(String, FormValue)]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for (key, value) in fields { flatten(key, value, into: &pairs) }
        return pairs
    }

    private static func flatten(_ key: String, _ value: FormValue, into pairs: inout [(String, String)]) {
        switch value {
        case .string(let text): pairs.append((key, text))
        case .list(let items):
            for (index, item) in items.enumerated() { flatten("\(key)[\(index)]", item, into: &pairs) }
        case .dictionary(let entries):
            for (name, item) in entries { flatten("\(key)[\(name)]", item, into: &pairs) }
        }
    }

    static func escape(_ text: String, keepBrackets: Bool) -> String {
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        var out = String.UnicodeScalarView()
        for byte in text.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            let bracket = byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            if unreserved || (bracket && keepBrackets) {
                out.append(Unicode.Scalar(byte))
            } else {
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(out)
    }
}
