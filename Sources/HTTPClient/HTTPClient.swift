// A small blocking HTTP/1.1 client over one reused libcurl easy handle (keep-alive between calls).
// Not thread-safe: one client per thread. Every option is set afresh per request after
// curl_easy_reset, which keeps the connection cache. No signals (CURLOPT_NOSIGNAL), http(s) only.
internal import CCurl

public final class HTTPClient {
    public let caFile: String?
    public let verifyPeer: Bool
    public let timeout: Duration
    public let followRedirects: Bool
    public let maxResponseBytes: Int
    private let easy: CurlEasy

    public init(caFile: String? = nil, verifyPeer: Bool = true, timeout: Duration = .seconds(10),
                followRedirects: Bool = false, maxResponseBytes: Int = 16 << 20) throws(HTTPClientError) {
        self.caFile = caFile
        self.verifyPeer = verifyPeer
        self.timeout = timeout
        self.followRedirects = followRedirects
        self.maxResponseBytes = maxResponseBytes
        easy = try CurlEasy()
    }

    public func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse {
        try Self.validate(request)
        let h = easy.handle
        curl_easy_reset(h)
        easy.errorBuffer.update(repeating: 0, count: CurlEasy.errorBufferSize)
        let sink = ResponseSink(maxBodyBytes: maxResponseBytes)
        var headerList: UnsafeMutablePointer<curl_slist>?
        var resolveList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList); curl_slist_free_all(resolveList) }
        for entry in request.pinnedAddresses { resolveList = curl_slist_append(resolveList, entry) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // No "Expect: 100-continue" round trip; no invented form Content-Type for raw bodies.
        headerList = curl_slist_append(headerList, "Expect:")
        if request.body != nil, request.header("Content-Type") == nil {
            headerList = curl_slist_append(headerList, "Content-Type:")
        }

        var code = withExtendedLifetime(sink) { () -> CURLcode in
            var status = configure(request, headers: headerList, sink: sink)
            if status == CURLE_OK, let resolveList {
                status = skannr_curl_setopt_slist(h, CURLOPT_RESOLVE, resolveList)
                if status == CURLE_OK { status = skannr_curl_setopt_str(h, CURLOPT_NOPROXY, "*") }
            }
            if status == CURLE_OK { status = curl_easy_perform(h) }
            return status
        }
        if sink.overflowed {
            throw HTTPClientError(code: Int(code.rawValue),
                                  message: "response body larger than \(maxResponseBytes) bytes")
        }
        guard code == CURLE_OK else {
            throw HTTPClientError(code: Int(code.rawValue), message: easy.message(for: code))
        }
        var status = 0
        code = skannr_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        guard code == CURLE_OK else {
            throw HTTPClientError(code: Int(code.rawValue), message: easy.message(for: code))
        }
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    private func configure(_ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>?,
                           sink: ResponseSink) -> CURLcode {
        let h = easy.handle
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let milliseconds = max(1, Int(timeout.components.seconds) * 1000
                                  + Int(timeout.components.attoseconds / 1_000_000_000_000_000))
        var steps: [() -> CURLcode] = [
            { skannr_curl_setopt_str(h, CURLOPT_URL, request.url) },
            { skannr_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1) },
            { skannr_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, self.easy.errorBuffer) },
            { skannr_curl_setopt_str(h, CURLOPT_PROTOCOLS_STR, "http,https") },
            { skannr_curl_setopt_str(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") },
            { skannr_curl_setopt_long(h, CURLOPT_HTTP_VERSION, skannr_curl_http_version_1_1()) },
            { skannr_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, milliseconds) },
            { skannr_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, milliseconds) },
            { skannr_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, self.followRedirects ? 1 : 0) },
            { skannr_curl_setopt_long(h, CURLOPT_MAXREDIRS, 5) },
            { skannr_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, self.verifyPeer ? 1 : 0) },
            { skannr_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, self.verifyPeer ? 2 : 0) },
            { skannr_curl_setopt_writefn(h, CURLOPT_WRITEFUNCTION, ResponseSink.writeBody) },
            { skannr_curl_setopt_ptr(h, CURLOPT_WRITEDATA, context) },
            { skannr_curl_setopt_writefn(h, CURLOPT_HEADERFUNCTION, ResponseSink.writeHeader) },
            { skannr_curl_setopt_ptr(h, CURLOPT_HEADERDATA, context) },
            { skannr_curl_setopt_slist(h, CURLOPT_HTTPHEADER, headers) },
        ]
        if let caFile { steps.append { skannr_curl_setopt_str(h, CURLOPT_CAINFO, caFile) } }
        let method = request.method.uppercased()
        if let body = request.body {
            steps.append { skannr_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)) }
            steps.append {
                body.isEmpty ? skannr_curl_setopt_str(h, CURLOPT_COPYPOSTFIELDS, "")
                    : body.withUnsafeBytes { skannr_curl_setopt_ptr(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
            }
            if method != "POST" { steps.append { skannr_curl_setopt_str(h, CURLOPT_CUSTOMREQUEST, method) } }
        } else {
            switch method {
            case "GET": steps.append { skannr_curl_setopt_long(h, CURLOPT_HTTPGET, 1) }
            case "HEAD": steps.append { skannr_curl_setopt_long(h, CURLOPT_NOBODY, 1) }
            case "POST":
                steps.append { skannr_curl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, 0) }
                steps.append { skannr_curl_setopt_str(h, CURLOPT_COPYPOSTFIELDS, "") }
            default: steps.append { skannr_curl_setopt_str(h, CURLOPT_CUSTOMREQUEST, method) }
            }
        }
        for step in steps {
            let code = step()
            guard code == CURLE_OK else { return code }
        }
        return CURLE_OK
    }

    private static func validate(_ request: HTTPRequest) throws(HTTPClientError) {
        func clean(_ text: String) -> Bool { !text.utf8.contains { $0 == 0 || $0 == 10 || $0 == 13 } }
        let tokenOK = !request.method.isEmpty && request.method.utf8.allSatisfy { $0 > 32 && $0 < 127 }
        guard tokenOK, clean(request.url), request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw HTTPClientError(code: HTTPClientError.invalidRequestCode, message: "invalid method or URL")
        }
        for (name, value) in request.headers {
            guard !name.isEmpty, clean(name), clean(value), !name.contains(":"), !name.contains(" ") else {
                throw HTTPClientError(code: HTTPClientError.invalidRequestCode, message: "invalid header \(name.debugDescription)")
            }
        }
    }
}
