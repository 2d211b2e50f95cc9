// A webhook event: the envelope (id, type, created) and, on demand, `data.object` decoded as the
// type the event carries. Unknown event types are valid events that Skannr records and ignores.
import Foundation

public struct StripeEvent: Sendable {
    public let id: String
    public let type: String
    /// Unix seconds when Stripe created the event: orders deliveries for one subscription.
    public let created: Int64
    /// The API version the payload is shaped by (the webhook endpoint's); nil when not stated.
    public let apiVersion: String?
    private let raw: Data

    private struct Envelope: Decodable {
        let id: String
        let type: String
        let created: Int64
        let api_version: String?
    }

    private struct Wrapper<T: Decodable>: Decodable {
        struct Payload: Decodable { let object: T }
        let data: Payload
    }

    public enum ParseError: Error, Sendable { case malformed(String) }

    public init(json: [UInt8]) throws(ParseError) {
        raw = Data(json)
        do {
            let envelope = try JSONDecoder().decode(Envelope.self, from: raw)
            (id, type, created, apiVersion) = (envelope.id, envelope.type, envelope.created, envelope.api_version)
        } catch {
            throw .malformed("not a Stripe event: \(error)")
        }
        guard !id.isEmpty, id.count <= 255, type.count <= 100 else { throw .malformed("event id or type out of range") }
    }

    public var createdAt: Date { Date(timeIntervalSince1970: TimeInterval(created)) }

    /// `data.object` decoded as `T` (snake_case keys).
    public func object<T: Decodable>(_ type: T.Type) throws(ParseError) -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(Wrapper<T>.self, from: raw).data.object }
        catch { throw .malformed("data.object of \(self.type) is not a \(T.self): \(error)") }
    }
}
