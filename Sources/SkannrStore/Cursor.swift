// Opaque keyset-pagination cursors: base64url (no padding) of "<id>" for id-ordered lists and of
// "<hex host_key>.<port>" for results. Decoding is strict; nil means "invalid cursor" (HTTP 400).
// The encodings are the project's one Hex and Base64URL (SkannrCrypto).
import Foundation
import SkannrCrypto

public enum Cursor {
    public static func encode(id: Int64) -> String { Base64URL.encode(String(id)) }

    public static func decodeID(_ text: String) -> Int64? {
        guard let raw = decodeText(text), let id = Int64(raw), id > 0, String(id) == raw else { return nil }
        return id
    }

    public static func encode(hostKey: [UInt8], port: Int) -> String {
        Base64URL.encode(Hex.encode(hostKey) + "." + String(port))
    }

    public static func decodeHostPort(_ text: String) -> (hostKey: [UInt8], port: Int)? {
        guard let raw = decodeText(text) else { return nil }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 32, let port = Int(parts[1]), (0...65535).contains(port),
              String(port) == parts[1] else { return nil }
        // Lowercase only, as encoded: one cursor has one spelling.
        guard let key = Hex.decode(String(parts[0])), key.count == 16, Hex.encode(key) == parts[0] else { return nil }
        return (key, port)
    }

    private static func decodeText(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 200, let bytes = Base64URL.decode(text) else { return nil }
        return String(validating: bytes, as: UTF8.self)
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
