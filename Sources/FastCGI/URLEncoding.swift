// Percent-decoding of paths and query strings. Invalid escapes make a path undecodable (the
// router then answers 404) and are kept literally in query values rather than guessed at.

public enum URLEncoding {
    /// Decodes `%XX` escapes; `plusIsSpace` is true for query strings (form encoding).
    public static func percentDecode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    public static func decodePath(_ path: String) -> String? { percentDecode(path) }

    /// Parses `a=1&b=2`; the first occurrence of a name wins, names without `=` get "".
    public static func parseQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0], plusIsSpace: true), !name.isEmpty else { continue }
            let value = parts.count > 1 ? (percentDecode(parts[1], plusIsSpace: true) ?? String(parts[1])) : ""
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
