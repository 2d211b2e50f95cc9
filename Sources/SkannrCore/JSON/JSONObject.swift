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
    /// Anything else (lists, nested objects, JSON values), through its Encodable conformance.
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
    public mutating func member<Value: Encodable>(_ key: StaticString, encoding value: Value) throws {
        try container.encode(value, forKey: MemberKey(key))
    }
}
