// An HTTP request as the API's handlers see it: plain values, independent of the transport (FastCGI
// builds it from nginx's params; tests build it directly), so controllers never see FastCGI.

public struct APIRequest: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded once, e.g. `/api/v1/targets/7`.
    public var path: String
    public var query: [String: String]
    /// Header names are lowercased (`content-type`, `authorization`).
    public var headers: [String: String]
    public var body: [UInt8]
    public var clientAddress: String
    /// nginx's `$request_id`, or "-".
    public var requestID: String

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: [UInt8] = [], clientAddress: String = "127.0.0.1", requestID: String = "-") {
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

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (no Foundation in this module).
    package func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
