// Sends one mail through an SMTP relay with libcurl: smtp:// upgrades with STARTTLS when the relay
// offers it (CURLUSESSL_TRY), smtps:// is TLS from the start; certificates are verified. One easy
// handle per client (not thread-safe, like HTTPClient). The message is sent as given (headers and
// body, CRLF line ends); envelope sender and recipients are separate from its headers.
internal import CCurl

public final class SMTPClient {
    public let url: String
    public let username: String?
    public let password: String?
    public let caFile: String?
    public let timeout: Duration
    private let easy: CurlEasy

    public init(url: String, username: String? = nil, password: String? = nil, caFile: String? = nil,
                timeout: Duration = .seconds(10)) throws(HTTPClientError) {
        guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
            throw HTTPClientError(code: HTTPClientError.invalidRequestCode, message: "the SMTP relay URL must start with smtp:// or smtps://")
        }
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeout = timeout
        easy = try CurlEasy()
    }

    /// Bytes handed to curl's read callback.
    final class Source {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        static let read: skannr_curl_data_cb = { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            let n = min(size * count, source.bytes.count - source.offset)
            guard n > 0 else { return 0 }
            source.bytes.withUnsafeBufferPointer { all in
                UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: n)
            }
            source.offset += n
            return n
        }
    }

    public func send(from: String, to recipients: [String], message: [UInt8]) throws(HTTPClientError) {
        func clean(_ text: String) -> Bool { !text.utf8.contains { $0 == 0 || $0 == 10 || $0 == 13 || $0 == 60 || $0 == 62 } }
        guard !recipients.isEmpty, clean(from), recipients.allSatisfy(clean) else {
            throw HTTPClientError(code: HTTPClientError.invalidRequestCode, message: "invalid sender or recipient")
        }
        let h = easy.handle
        curl_easy_reset(h)
        easy.errorBuffer.update(repeating: 0, count: CurlEasy.errorBufferSize)
        var recipientList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipientList) }
        for recipient in recipients { recipientList = curl_slist_append(recipientList, "<\(recipient)>") }
        let source = Source(message)
        let context = Unmanaged.passUnretained(source).toOpaque()
        let milliseconds = max(1, Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000))
        var steps: [() -> CURLcode] = [
            { skannr_curl_setopt_str(h, CURLOPT_URL, self.url) },
            { skannr_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1) },
            { skannr_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, self.easy.errorBuffer) },
            { skannr_curl_setopt_str(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") },
            { skannr_curl_setopt_long(h, CURLOPT_USE_SSL, skannr_curl_usessl_try()) },
            { skannr_curl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1) },
            { skannr_curl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2) },
            { skannr_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, milliseconds) },
            { skannr_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, milliseconds) },
            { skannr_curl_setopt_str(h, CURLOPT_MAIL_FROM, "<\(from)>") },
            { skannr_curl_setopt_slist(h, CURLOPT_MAIL_RCPT, recipientList) },
            { skannr_curl_setopt_long(h, CURLOPT_UPLOAD, 1) },
            { skannr_curl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)) },
            { skannr_curl_setopt_writefn(h, CURLOPT_READFUNCTION, Source.read) },
            { skannr_curl_setopt_ptr(h, CURLOPT_READDATA, context) },
        ]
        if let caFile { steps.append { skannr_curl_setopt_str(h, CURLOPT_CAINFO, caFile) } }
        if let username { steps.append { skannr_curl_setopt_str(h, CURLOPT_USERNAME, username) } }
        if let password { steps.append { skannr_curl_setopt_str(h, CURLOPT_PASSWORD, password) } }
        let code = withExtendedLifetime(source) { () -> CURLcode in
            for step in steps {
                let code = step()
                guard code == CURLE_OK else { return code }
            }
            return curl_easy_perform(h)
        }
        guard code == CURLE_OK else { throw HTTPClientError(code: Int(code.rawValue), message: easy.message(for: code)) }
    }
}
