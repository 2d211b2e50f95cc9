// APIRequest bodies parsed into a strict JSON tree (true/false are never numbers, integers are
// never silently truncated), so validation can tell "absent", "null" and "wrong type" apart.

import Foundation
import HTTPMessage

public indirect enum JSONInput: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONInput])
    case object([String: JSONInput])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONInput].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONInput].self))
        }
    }

    /// Parses a body that must be one JSON object (400 `bad_request` otherwise).
    public static func object(from body: [UInt8]) throws(APIError) -> [String: JSONInput] {
        guard !body.isEmpty else { throw APIError(.badRequest, "A JSON object body is required") }
        let parsed: JSONInput
        do {
            parsed = try JSONDecoder().decode(JSONInput.self, from: Data(body))
        } catch {
            throw APIError(.badRequest, "The body is not valid JSON")
        }
        guard case .object(let object) = parsed else { throw APIError(.badRequest, "The body must be a JSON object") }
        if let key = DuplicateKeys.first(in: body) {
            throw APIError(.badRequest, "The body names \"\(key.prefix(100))\" more than once")
        }
        return object
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
