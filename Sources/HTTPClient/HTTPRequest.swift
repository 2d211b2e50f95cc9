// An HTTP request as HTTPClient sends it: method, absolute URL, ordered headers, optional raw body.
// Header names/values and the URL must not contain CR, LF or NUL (checked before sending).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// curl's CURLOPT_RESOLVE entries ("host:port:address"): connect to this checked address
    /// instead of resolving the URL's host again (the SSRF guard's pin). Proxies are not used then.
    public var pinnedAddresses: [String] = []

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: String) {
        self.init(method: method, url: url, headers: headers, body: Array(body.utf8))
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}
