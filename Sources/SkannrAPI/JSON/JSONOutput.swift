// Encoding of response bodies. Handlers return Encodable views (JSONBody writes them: snake_case keys,
// RFC 3339 UTC timestamps, as the contract wants); JSONCoding's JSONEncoder is the reference the
// tests compare JSONBody with; JSONOutput is a small tree for error bodies.

import Foundation
import HTTPMessage

public enum JSONCoding {
    /// One configured encoder per process (JSONEncoder.encode is safe to share; making one per
    /// response was measurable). Callers must not change its settings.
    public static let shared = encoder()

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}

extension APIResponse {
    /// A JSON response from any Encodable value, written by JSONBody; encoding failures surface as 500s.
    public static func json(_ status: Int, _ value: some Encodable) throws -> APIResponse {
        .json(status, body: try JSONBody.encode(value))
    }
}

/// A tiny JSON tree for bodies built by hand (errors, health) without a type per shape.
public indirect enum JSONOutput: Encodable, Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONOutput])
    case object([String: JSONOutput])

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public func encoded() -> [UInt8] {
        (try? Array(Self.encoder.encode(self))) ?? Array(#"{"message":"Internal server error","code":"internal"}"#.utf8)
    }

    /// One per process, like JSONCoding.shared: every error body (404s, 401s, 429s under a flood)
    /// went through a JSONEncoder made for it alone.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()
}
