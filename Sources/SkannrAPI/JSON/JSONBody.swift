// The one way a view becomes a response body: any Encodable, written straight into JSONWriter by a
// streaming Encoder (no intermediate tree, no Foundation formatter). The output is what JSONCoding's
// JSONEncoder writes (snake_case keys, RFC 3339 dates in whole seconds, nulls where a view encodes
// nil, `/` unescaped); JSONWriterTests compares the two on every view. Members keep the order a
// view encodes them. Trap: a container is closed when its parent writes its next member (or at the
// end), so a view must not go back to a container after opening a sibling (none does; Codable's
// synthesized and hand-written encoders never do).
import Foundation
import SkannrCore

enum JSONBody {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = JSONSink()
        try sink.value(value)
        sink.close(downTo: 0)
        return sink.writer.bytes
    }
}

/// A coding key written as given, for views that list their members with string literals once
/// (`try c.encode(record.id, forKey: "id")`) instead of a CodingKeys enum plus an encode(to:).
struct JSONKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
    init(stringLiteral value: String) { stringValue = value }
}

final class JSONSink {
    var writer = JSONWriter()
    /// Containers open right now, innermost last (true: object).
    private var open: [Bool] = []

    var depth: Int { open.count }

    func close(downTo depth: Int) {
        while open.count > depth {
            if open.removeLast() { writer.endObject() } else { writer.endArray() }
        }
    }

    func beginObject() { writer.beginObject(); open.append(true) }
    func beginArray() { writer.beginArray(); open.append(false) }

    func key(_ key: some CodingKey) { writer.key(Self.snakeCase(key.stringValue)) }

    func value<T: Encodable>(_ value: T) throws {
        if let object = value as? any JSONObject { try self.object(object); return }
        if let date = value as? Date { writer.date(date); return }
        if let dictionary = value as? any StringKeyedDictionary { try dictionary.writeMembers(to: self); return }
        let start = open.count
        let written = writer.bytes.count
        try value.encode(to: StreamingEncoder(sink: self))
        close(downTo: start)
        if writer.bytes.count == written { beginObject(); close(downTo: start) }   // JSONEncoder's {} for nothing encoded
    }

    /// A JSONObject: its members straight into the writer (the hot path: no Encoder, no key conversion).
    func object<Object: JSONObject>(_ object: Object) throws {
        let start = open.count
        beginObject()
        var members = SinkMembers(sink: self)
        try object.members(&members)
        close(downTo: start)
    }

    func double(_ value: Double) throws { try number(value, value.isFinite) }
    func float(_ value: Float) throws { try number(value, value.isFinite) }

    /// A floating-point number as JSONEncoder writes it: its description, without a trailing ".0".
    private func number(_ value: some CustomStringConvertible, _ finite: Bool) throws {
        guard finite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not valid JSON"))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        writer.number(text)
    }

    /// JSONEncoder's convertToSnakeCase, step for step (with its quirks: "HTTPServer" -> "h_ttp_server"):
    /// a word ends before a capital; a run of capitals before a lower-case letter is one word but
    /// for its last capital. Keys without capitals (most: views write snake_case) stay as they are.
    static func snakeCase(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return key }
        let scalars = Array(key.unicodeScalars)
        func first(from start: Int, _ test: (Unicode.Scalar) -> Bool) -> Int? {
            guard start < scalars.count else { return nil }
            return (start..<scalars.count).first { test(scalars[$0]) }
        }
        var words: [Range<Int>] = []
        var wordStart = 0
        var searchStart = 1
        while let upper = first(from: searchStart, { $0.properties.isUppercase }) {
            words.append(wordStart..<upper)
            guard let lower = first(from: upper, { $0.properties.isLowercase }) else { wordStart = upper; break }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(upper..<(lower - 1))
                wordStart = lower - 1
            }
            searchStart = lower + 1
        }
        words.append(wordStart..<scalars.count)
        return words.map { String(String.UnicodeScalarView(scalars[$0])).lowercased() }.joined(separator: "_")
    }
}

struct SinkMembers: JSONMembers {
    let sink: JSONSink

    mutating func member(_ key: StaticString, _ value: String?) throws { sink.writer.key(key); sink.writer.string(value) }
    mutating func member(_ key: StaticString, _ value: Int64?) throws { sink.writer.key(key); sink.writer.int(value) }
    mutating func member(_ key: StaticString, _ value: Int?) throws { sink.writer.key(key); sink.writer.int(value) }
    mutating func member(_ key: StaticString, _ value: Bool?) throws {
        sink.writer.key(key)
        if let value { sink.writer.bool(value) } else { sink.writer.null() }
    }
    mutating func member(_ key: StaticString, _ value: Date?) throws { sink.writer.key(key); sink.writer.date(value) }
    mutating func member(_ key: StaticString, _ value: RawJSONObject) throws { sink.writer.key(key); sink.writer.raw(value.text) }
    mutating func member<Object: JSONObject>(_ key: StaticString, object: Object?) throws {
        sink.writer.key(key)
        if let object { try sink.object(object) } else { sink.writer.null() }
    }
    mutating func member<Object: JSONObject>(_ key: StaticString, objects: [Object]) throws {
        sink.writer.key(key)
        sink.writer.beginArray()
        for object in objects { try sink.object(object) }
        sink.writer.endArray()
    }
    mutating func member<Value: Encodable>(_ key: StaticString, encoding value: Value) throws {
        let depth = sink.depth
        sink.writer.key(key)
        try sink.value(value)
        sink.close(downTo: depth)
    }
}

/// `[String: V]`: JSONEncoder writes its keys as they are (no snake_case conversion), so JSONSink does too.
protocol StringKeyedDictionary {
    func writeMembers(to sink: JSONSink) throws
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    func writeMembers(to sink: JSONSink) throws {
        let start = sink.depth
        sink.beginObject()
        for (key, value) in self {
            sink.close(downTo: start + 1)
            sink.writer.key(key)
            try sink.value(value)
        }
        sink.close(downTo: start)
    }
}

struct StreamingEncoder: Encoder {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        sink.beginObject()
        return KeyedEncodingContainer(KeyedSink<Key>(sink: sink, depth: sink.depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        sink.beginArray()
        return UnkeyedSink(sink: sink, depth: sink.depth)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueSink(sink: sink) }
}

struct KeyedSink<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    /// The open-container count while this object is the innermost one.
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key) { sink.close(downTo: depth); sink.key(key) }

    mutating func encodeNil(forKey key: Key) throws { member(key); sink.writer.null() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { member(key); sink.writer.bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { member(key); sink.writer.string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { member(key); try sink.double(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { member(key); try sink.float(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { member(key); sink.writer.int(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { member(key); try sink.value(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        member(key)
        sink.beginObject()
        return KeyedEncodingContainer(KeyedSink<NestedKey>(sink: sink, depth: sink.depth))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        member(key)
        sink.beginArray()
        return UnkeyedSink(sink: sink, depth: sink.depth)
    }

    mutating func superEncoder() -> any Encoder { member(Key(stringValue: "super")!); return StreamingEncoder(sink: sink) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { member(key); return StreamingEncoder(sink: sink) }
}

struct UnkeyedSink: UnkeyedEncodingContainer {
    let sink: JSONSink
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    private mutating func element() { sink.close(downTo: depth); count += 1 }

    mutating func encodeNil() throws { element(); sink.writer.null() }
    mutating func encode(_ value: Bool) throws { element(); sink.writer.bool(value) }
    mutating func encode(_ value: String) throws { element(); sink.writer.string(value) }
    mutating func encode(_ value: Double) throws { element(); try sink.double(value) }
    mutating func encode(_ value: Float) throws { element(); try sink.float(value) }
    mutating func encode(_ value: Int) throws { element(); sink.writer.int(value) }
    mutating func encode(_ value: Int64) throws { element(); sink.writer.int(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { element(); try sink.value(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element()
        sink.beginObject()
        return KeyedEncodingContainer(KeyedSink<NestedKey>(sink: sink, depth: sink.depth))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        element()
        sink.beginArray()
        return UnkeyedSink(sink: sink, depth: sink.depth)
    }

    mutating func superEncoder() -> any Encoder { element(); return StreamingEncoder(sink: sink) }
}

struct SingleValueSink: SingleValueEncodingContainer {
    let sink: JSONSink
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.writer.null() }
    mutating func encode(_ value: Bool) throws { sink.writer.bool(value) }
    mutating func encode(_ value: String) throws { sink.writer.string(value) }
    mutating func encode(_ value: Double) throws { try sink.double(value) }
    mutating func encode(_ value: Float) throws { try sink.float(value) }
    mutating func encode(_ value: Int) throws { sink.writer.int(value) }
    mutating func encode(_ value: Int8) throws { sink.writer.int(value) }
    mutating func encode(_ value: Int16) throws { sink.writer.int(value) }
    mutating func encode(_ value: Int32) throws { sink.writer.int(value) }
    mutating func encode(_ value: Int64) throws { sink.writer.int(value) }
    mutating func encode(_ value: UInt) throws { sink.writer.int(value) }
    mutating func encode(_ value: UInt8) throws { sink.writer.int(value) }
    mutating func encode(_ value: UInt16) throws { sink.writer.int(value) }
    mutating func encode(_ value: UInt32) throws { sink.writer.int(value) }
    mutating func encode(_ value: UInt64) throws { sink.writer.int(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try sink.value(value) }
}
