// An HTTP response as handlers make it: status, headers and a body, or a body written piece by
// piece (CSV exports of any size in constant memory; nginx sends it chunked). FastCGI serialises it.

public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// A body written after the headers, one piece at a time (no Content-Length); an error thrown
    /// midway ends the body early, the status being sent already.
    public var stream: StreamedBody?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ status: Int, body: [UInt8]) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: body)
    }

    public static func noContent() -> APIResponse { APIResponse(status: 204) }

    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The writer of a streamed body: called once with a function that writes and flushes one piece.
/// @unchecked Sendable: made and written on the one thread of its worker (it may hold the worker's
/// database connection).
public struct StreamedBody: @unchecked Sendable {
    public let write: (_ put: ([UInt8]) -> Void) throws -> Void
    public init(_ write: @escaping (_ put: ([UInt8]) -> Void) throws -> Void) { self.write = write }
}
