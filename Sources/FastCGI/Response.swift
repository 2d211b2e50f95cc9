// An HTTP response (HTTPMessage's APIResponse) serialised as a CGI-style header block for FastCGI's stdout.
import HTTPMessage

extension APIResponse {
    /// `Status:` line, headers and the blank line that ends them. Header values are stripped of
    /// CR and LF so that nothing a handler echoes can split the response.
    public func headerBlock() -> [UInt8] {
        var text = "Status: \(status) \(APIResponse.reason(for: status))\r\n"
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
