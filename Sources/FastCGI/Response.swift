// An HTTP response and its serialisation as a CGI-style header block for FastCGI's stdout.

public struct Response: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// A body written piece by piece after the headers (no Content-Length; nginx sends it chunked):
    /// CSV exports of any size in constant memory. Called once, with a function that writes and
    /// flushes one piece; an error thrown midway ends the body early (the status is already sent).
    public var stream: BodyStream?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ status: Int, body: [UInt8]) -> Response {
        Response(status: status, headers: [("Content-Type", "application/json; charset=utf-8")], body: body)
    }

    public static func noContent() -> Response { Response(status: 204) }

    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// `Status:` line, headers and the blank line that ends them. Header values are stripped of
    /// CR and LF so that nothing a handler echoes can split the response.
    public func headerBlock() -> [UInt8] {
        var text = "Status: \(status) \(Response.reason(for: status))\r\n"
        for (name, value) in headers {
            // Filter scalars, not Characters: "\r\n" is one Character in Swift.
            let safe = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
            text += "\(name): \(safe)\r\n"
        }
        if header("Content-Length") == nil && stream == nil && status != 204 && status != 304 {
            text += "Content-Length: \(body.count)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    public static func reason(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}

/// The writer of a streamed body. @unchecked Sendable: a response is made and written on the one
/// thread of its worker; the closure may hold that worker's database connection.
public struct BodyStream: @unchecked Sendable {
    public let write: (_ put: ([UInt8]) -> Void) throws -> Void
    public init(_ write: @escaping (_ put: ([UInt8]) -> Void) throws -> Void) { self.write = write }
}
