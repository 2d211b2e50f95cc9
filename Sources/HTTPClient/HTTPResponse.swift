// A complete HTTP response: status, headers with lowercased names (repeated headers joined with
// ", "; Set-Cookie values joined with "\n" since they may contain commas), and the raw body.
import Foundation

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed with JSONSerialization (objects, arrays, fragments).
    public func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    /// The body decoded into a Decodable type.
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(type, from: Data(body))
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
