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
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t"])
        if let existing = headers[name] {
            headers[name] = existing + (name == "set-cookie" ? "\n" : ", ") + value
        } else {
            headers[name] = value
        }
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

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(self.drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
