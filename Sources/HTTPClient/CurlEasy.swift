// Owns one curl easy handle and its error buffer; both freed in deinit. curl_global_init runs once
// per process (a lazily initialised global) before the first handle is made.
internal import CCurl

private let curlGlobalInitCode: UInt32 = skannr_curl_global_init_default().rawValue

final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    static let errorBufferSize = Int(CURL_ERROR_SIZE)

    init() throws(HTTPClientError) {
        guard curlGlobalInitCode == CURLE_OK.rawValue else {
            throw HTTPClientError(code: Int(curlGlobalInitCode), message: "curl_global_init failed")
        }
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Self.errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: Self.errorBufferSize)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// The detailed message of the last failure, or curl's generic text for the code.
    func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }
}
