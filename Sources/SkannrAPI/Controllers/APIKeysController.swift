// /api-keys: create (the key is in this answer only), list (never the key) and delete (the key stops
// working with the next request, on every responder). At most maxAPIKeysPerAccount keys (403
// plan_limit past it). A key cannot reach these routes itself (RouteTable's `.signIn`: 403).
import Foundation
import SkannrCore
import SkannrStore
import HTTPMessage

enum APIKeysController {
    static func create(_ context: AuthenticatedContext) throws -> APIResponse {
        let input = try readCreate(context)
        guard let hashKey = context.services.configuration.auth.apiKeyHashKey else {
            throw APIError(.unavailable, "API keys are not configured on this server")
        }
        let made = APIKeys.generate(hashKey: hashKey)
        let store = try context.services.stores().apiKeys
        switch try store.create(userID: context.accountID, name: input.name, prefix: made.prefix, keyHash: made.hash,
                                expiresAt: input.expiresAt, maxPerAccount: context.services.configuration.auth.maxAPIKeysPerAccount,
                                now: context.now) {
        case .created(let record): return try .json(201, APIKeyView(record: record, key: made.key))
        case .limitReached:
            throw APIError(.planLimit, "An account holds at most \(context.services.configuration.auth.maxAPIKeysPerAccount) API keys; delete one first")
        }
    }

    static func list(_ context: AuthenticatedContext) throws -> APIResponse {
        let list = try ListQuery.parse(context.request.query)
        let rows = try context.services.stores().apiKeys
            .list(userID: context.accountID, limit: list.limit + 1, after: list.afterID())
        let page = Array(rows.prefix(list.limit))
        let next = rows.count > list.limit ? page.last.map { Cursor.encode(id: $0.id) } : nil
        return try .json(200, ListView(items: page.map { APIKeyView(record: $0, key: nil) }, nextCursor: next))
    }

    static func delete(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "API key")
        guard try context.services.stores().apiKeys.delete(userID: context.accountID, id: id) else {
            throw APIError.notFound("API key")
        }
        return .noContent()
    }
    static func readCreate(_ context: AuthenticatedContext) throws(APIError) -> (name: String, expiresAt: Date?) {
        var body = try context.body()
        let name = body.requiredString("name")?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let name, !APIKeys.nameLengths.contains(name.unicodeScalars.count) || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            body.fail("name", "must be 1 to 100 characters without control characters")
        }
        var expiresAt: Date?
        switch body.string("expires_at") {
        case .value(let text):
            if let date = RFC3339.parse(text) {
                if date <= context.now { body.fail("expires_at", "must be in the future") } else { expiresAt = date }
            } else {
                body.fail("expires_at", "must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z")
            }
        case .null, .absent: break
        }
        try body.finish()
        return (name ?? "", expiresAt)
    }
}

/// RFC 3339 date-times as clients send them (offset or Z, fractional seconds or not).
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// An API key as the API shows it; `key` only in the create answer.
struct APIKeyView: JSONObject {
    let record: APIKeyRecord
    let key: String?

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("id", record.id)
        try out.member("name", record.name)
        try out.member("prefix", record.prefix)
        if let key { try out.member("key", key) }
        try out.member("created_at", record.createdAt)
        try out.member("expires_at", record.expiresAt)
        try out.member("last_used_at", record.lastUsedAt)
    }
}
