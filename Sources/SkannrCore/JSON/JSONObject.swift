// One list of an object's members for every JSON output: a view lists its members once, into any
// JSONMembers — SkannrAPI's response writer (bytes appended directly, no Encoder in between) or an
// Encoder's keyed container (JSONEncoder: notification payloads, the tests' reference). Keys are the
// contract's names as written (already snake_case); a nil value is written as null.
import Foundation

public protocol JSONMembers {
    mutating func member(_ key: StaticString, _ value: String?) throws
    mutating func member(_ key: StaticString, _ value: Int64?) throws
    mutating func member(_ key: StaticString, _ value: Int?) throws
    mutating func member(_ key: StaticString, _ value: Bool?) throws
    mutating func member(_ key: StaticString, _ value: Date?) throws
    /// A stored JSON object, written as it is stored (no parse on the response path).
    mutating func member(_ key: StaticString, _ value: RawJSONObject) throws
    /// A nested object (null when nil) and a list of objects: no Encoder on the response path.
    mutating func member<Object: JSONObject>(_ key: StaticString, object: Object?) throws
    mutating func member<Object: JSONObject>(_ key: StaticString, objects: [Object]) throws
    /// Anything else (lists of plain values, JSON values), through its Encodable conformance.
    mutating func member<Value: Encodable>(_ key: StaticString, encoding value: Value) throws
}

/// An object whose members are listed once, in `members`; its Encodable conformance follows from it.
public protocol JSONObject: Encodable {
    func members<Out: JSONMembers>(_ out: inout Out) throws
}

extension JSONObject {
    public func encode(to encoder: any Encoder) throws {
        var members = EncoderMembers(container: encoder.container(keyedBy: MemberKey.self))
        try self.members(&members)
    }
}

public struct MemberKey: CodingKey {
    public let stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { return nil }
    init(_ key: StaticString) { stringValue = key.description }
}

/// JSONMembers over an Encoder's keyed container (JSONEncoder and friends).
public struct EncoderMembers: JSONMembers {
    var container: KeyedEncodingContainer<MemberKey>

    public mutating func member(_ key: StaticString, _ value: String?) throws { try container.encode(value, forKey: MemberKey(key)) }
    public mutating func member(_ key: StaticString, _ value: Int64?) throws { try container.encode(value, forKey: MemberKey(key)) }
    public mutating func member(_ key: StaticString, _ value: Int?) throws { try container.encode(value, forKey: MemberKey(key)) }
    public mutating func member(_ key: StaticString, _ value: Bool?) throws { try container.encode(value, forKey: MemberKey(key)) }
    public mutating func member(_ key: StaticString, _ value: Date?) throws { try container.encode(value, forKey: MemberKey(key)) }
    public mutating func member(_ key: StaticString, _ value: RawJSONObject) throws { try container.encode(value, forKey: MemberKey(key)) }
    public mutating func member<Object: JSONObject>(_ key: StaticString, object: Object?) throws {
        try container.encode(object, forKey: MemberKey(key))
    }
    public mutating func member<Object: JSONObject>(_ key: StaticString, objects: [Object]) throws {
        try container.encode(objects, forKey: MemberKey(key))
    }
    public mutating func member<Value: Encodable>(_ key: StaticString, encoding value: Value) throws {
        try container.encode(value, forKey: MemberKey(key))
    }
}

/// A JSON object as a database column holds it (MariaDB's JSON type checks it is valid JSON): kept
/// as text, written out as it is, parsed only when a caller reads `value`. Anything but an object
/// reads as {} (a broken row shows {} rather than failing a list).
public struct RawJSONObject: Sendable, Equatable, Encodable {
    public let text: String

    /// `text` from a JSON column (valid JSON); not an object -> {}.
    public init(validJSON text: String) {
        let trimmed = text.utf8.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        self.text = trimmed.first == UInt8(ascii: "{") && text.utf8.last(where: { $0 > 0x20 }) == UInt8(ascii: "}") ? text : "{}"
    }

    public init(_ value: [String: JSONValue]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public var value: [String: JSONValue] {
        (try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))) ?? [:]
    }

    /// Through a single-value container: JSONEncoder then writes the keys as they are (as for any
    /// [String: V]), even with a key strategy.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
