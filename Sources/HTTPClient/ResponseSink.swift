// Collects what curl's write and header callbacks deliver for one transfer. A new status line
// (after 100 Continue or a redirect) starts the headers afresh; bodies over the cap abort the transfer.
internal import CCurl

final class ResponseSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var overflowed = false
    let maxBodyBytes: Int

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= maxBodyBytes else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    func headerLine(_ bytes: UnsafeRawBufferPointer) {
        // Trim as bytes: as Characters, "\r\n" is one grapheme and matches neither "\r" nor "\n".
        let line = Self.trimmed(bytes[...])
        if line.starts(with: Array("HTTP/".utf8)) {
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: Self.trimmed(line[..<colon]), as: UTF8.self).lowercased()
        let value = String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self)
        if let existing = headers[name] {
            headers[name] = existing + (name == "set-cookie" ? "\n" : ", ") + value
        } else {
            headers[name] = value
        }
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        let space: (UInt8) -> Bool = { $0 == 32 || $0 == 9 || $0 == 13 || $0 == 10 }
        guard let first = bytes.firstIndex(where: { !space($0) }),
              let last = bytes.lastIndex(where: { !space($0) }) else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[first...last]
    }

    static let writeBody: skannr_curl_data_cb = { data, size, count, context in
        guard let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard let data, length > 0 else { return length }
        return sink.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
    }

    static let writeHeader: skannr_curl_data_cb = { data, size, count, context in
        guard let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        if let data, length > 0 { sink.headerLine(UnsafeRawBufferPointer(start: data, count: length)) }
        return length
    }
}
