// Reads typed fields out of a JSON object body and collects every problem, so one 400 lists all
// invalid fields at once (`{"code":"validation_failed","fields":{...}}`).

/// A field that may be absent, explicitly null, or present — PATCH needs all three.
public enum Field<Value> {
    case absent
    case null
    case value(Value)

    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }
}

public struct BodyReader {
    private let object: [String: JSONInput]
    public private(set) var problems: [String: String] = [:]

    public init(_ object: [String: JSONInput]) { self.object = object }

    public init(body: [UInt8]) throws(APIError) { self.init(try JSONInput.object(from: body)) }

    public var keys: Set<String> { Set(object.keys) }

    public mutating func fail(_ key: String, _ problem: String) {
        if problems[key] == nil { problems[key] = problem }
    }

    public mutating func string(_ key: String) -> Field<String> {
        read(key, expected: "a string") { if case .string(let value) = $0 { value } else { nil } }
    }

    public mutating func int(_ key: String) -> Field<Int64> {
        read(key, expected: "an integer") { if case .int(let value) = $0 { value } else { nil } }
    }

    public mutating func bool(_ key: String) -> Field<Bool> {
        read(key, expected: "true or false") { if case .bool(let value) = $0 { value } else { nil } }
    }

    /// An array of strings (e.g. notification `events`); any other element type is a problem.
    public mutating func stringArray(_ key: String) -> Field<[String]> {
        read(key, expected: "an array of strings") { value -> [String]? in
            guard case .array(let items) = value else { return nil }
            let strings = items.compactMap { item -> String? in if case .string(let text) = item { text } else { nil } }
            return strings.count == items.count ? strings : nil
        }
    }

    /// A required, non-null string; records "is required" when absent or null.
    public mutating func requiredString(_ key: String) -> String? {
        switch string(key) {
        case .value(let value): return value
        case .absent, .null:
            fail(key, "is required")
            return nil
        }
    }

    /// An enum field read from its raw string; unknown values are reported with the allowed ones.
    public mutating func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> Field<E>
    where E.RawValue == String {
        switch string(key) {
        case .absent: return .absent
        case .null: return .null
        case .value(let raw):
            if let value = E(rawValue: raw) { return .value(value) }
            fail(key, "must be one of: " + E.allCases.map(\.rawValue).joined(separator: ", "))
            return .absent
        }
    }

    /// Throws 400 `validation_failed` listing every field problem found so far.
    public func finish() throws(APIError) {
        if !problems.isEmpty { throw APIError.validation(problems) }
    }

    private mutating func read<T>(_ key: String, expected: String, _ extract: (JSONInput) -> T?) -> Field<T> {
        guard let raw = object[key] else { return .absent }
        if raw == .null { return .null }
        if let value = extract(raw) { return .value(value) }
        fail(key, "must be \(expected), not \(raw.typeName)")
        return .absent
    }
}
