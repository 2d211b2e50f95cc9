// An HTTP request as nginx hands it to a responder over FastCGI: copied out of libfcgi's
// buffers into Swift values (HTTPMessage's APIRequest), because libfcgi frees its params at the next accept.
@_exported import HTTPMessage

extension APIRequest {
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
    func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
