// An HTTP request as nginx hands it to a responder over FastCGI: copied out of libfcgi's
// buffers into Swift values, because libfcgi frees its params at the next accept.

/// One HTTP request, independent of FastCGI so that routers and tests can build it directly.
public struct Request: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded, e.g. `/api/v1/targets/7`.
    public var path: String
    public var query: [String: String]
    /// Header names are lowercased (`content-type`, `authorization`).
    public var headers: [String: String]
    public var body: [UInt8]
    public var clientAddress: String
    public var requestID: String

    public init(
        method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        body: [UInt8] = [], clientAddress: String = "127.0.0.1", requestID: String = "-"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
        self.requestID = requestID
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The media type of the body without parameters, lowercased (`application/json`).
    public var mediaType: String? {
        guard let value = header("content-type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? value
        return type.trimmingWhitespace().lowercased()
    }
}

extension Request {
    /// Builds a request from FastCGI parameters (`REQUEST_METHOD`, `HTTP_*`, ...) as nginx sends them.
    public init(params: [String: String], body: [UInt8]) {
        // The raw REQUEST_URI is decoded here (an undecodable one stays raw and matches no route);
        // nginx's DOCUMENT_URI, the fallback, is decoded already and must not be decoded twice.
        let path: String
        if let uri = params["REQUEST_URI"].map({ String($0.prefix { $0 != "?" }) }) {
            path = URLEncoding.decodePath(uri) ?? uri
        } else {
            path = params["DOCUMENT_URI"] ?? "/"
        }
        var headers: [String: String] = [:]
        for (name, value) in params where name.hasPrefix("HTTP_") {
            headers[name.dropFirst(5).lowercased().replacingUnderscores()] = value
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers["content-type"] = type }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers["content-length"] = length }
        self.init(
            method: params["REQUEST_METHOD"] ?? "GET",
            path: path,
            query: URLEncoding.parseQuery(params["QUERY_STRING"] ?? ""),
            headers: headers,
            body: body,
            clientAddress: params["REMOTE_ADDR"] ?? "",
            requestID: params["REQUEST_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? "-"
        )
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
