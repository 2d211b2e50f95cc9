// Query parameters shared by every list: `limit` (1-200, default 50) and the opaque `cursor`.
// Invalid values are 400 validation_failed naming the parameter; unknown parameters are ignored.
import SkannrCore
import SkannrStore

struct ListQuery {
    static let defaultLimit = 50
    static let maxLimit = 200

    let limit: Int
    let cursor: String?

    static func parse(_ query: [String: String]) throws(APIError) -> ListQuery {
        var limit = defaultLimit
        if let text = query["limit"] {
            guard !text.isEmpty, text.utf8.count <= 3, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let value = Int(text), (1...maxLimit).contains(value) else {
                throw APIError.validation(["limit": "must be an integer from 1 to \(maxLimit)"])
            }
            limit = value
        }
        // An empty cursor is the first page (the OpenAPI file allows it; generated clients send `cursor=`).
        return ListQuery(limit: limit, cursor: query["cursor"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The last id of the previous page, or nil on the first page; 400 for a cursor we did not make.
    func afterID() throws(APIError) -> Int64? {
        guard let cursor else { return nil }
        guard let id = Cursor.decodeID(cursor) else { throw Self.invalidCursor }
        return id
    }

    func afterHostPort() throws(APIError) -> (hostKey: [UInt8], port: Int)? {
        guard let cursor else { return nil }
        guard let position = Cursor.decodeHostPort(cursor) else { throw Self.invalidCursor }
        return position
    }

    static let invalidCursor = APIError.validation(["cursor": "is not a cursor returned by this list"])

    /// An optional positive integer query parameter (e.g. `target_id`).
    static func positiveID(_ query: [String: String], _ name: String) throws(APIError) -> Int64? {
        guard let text = query[name] else { return nil }
        guard let value = Int64(positiveID: text) else {
            throw APIError.validation([name: "must be a positive integer"])
        }
        return value
    }

    /// An optional enum query parameter (e.g. `status`).
    static func enumValue<E: RawRepresentable & CaseIterable>(_ query: [String: String], _ name: String, _ type: E.Type) throws(APIError) -> E?
    where E.RawValue == String {
        guard let text = query[name] else { return nil }
        guard let value = E(rawValue: text) else {
            throw APIError.validation([name: "must be one of: " + E.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        return value
    }
}

/// Store outcomes and plan-limit refusals (the checks run inside store transactions) as client
/// errors; anything else passes through to the central mapping.
enum StoreErrors {
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            switch error {
            case .accountNotFound: throw APIError(.unauthorized, "The account of this token no longer exists")
            case .duplicateAddress: throw APIError(.conflict, "You already have a target with this address")
            case .scanInProgress: throw APIError(.scanInProgress, "The target already has a pending or running scan")
            }
        } catch let refusal as PlanLimitError {
            throw APIError(refusal)
        }
    }
}
