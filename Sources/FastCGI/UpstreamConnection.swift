// One connection from nginx and libfcgi's request state for it. With `fastcgi_keep_conn on` nginx
// sends request after request on it; libfcgi reads and writes the records, we own the descriptor's
// life. Trap: libfcgi's param pointers die at the next accept, so everything is copied out.

internal import CFastCGI
import Glibc

final class UpstreamConnection {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let maxBodyBytes: Int

    init(adopting fd: Int32, maxBodyBytes: Int) {
        request = .allocate(capacity: 1)
        skannr_fcgx_adopt(request, fd)
        self.maxBodyBytes = maxBodyBytes
    }

    deinit {
        // A plain close: libfcgi's own shuts down and waits up to 2 s for the peer to hang up,
        // which a worker leaving with idle kept connections would pay once per connection.
        let open = fd
        FCGX_Free(request, 0)
        if open >= 0 { close(open) }
        request.deallocate()
    }

    /// The descriptor, or -1 once libfcgi closed the connection (hang-up, protocol error, or a
    /// request without FCGI_KEEP_CONN).
    var fd: Int32 { skannr_fcgx_fd(request) }
    var isOpen: Bool { fd >= 0 }

    /// Reads the next request (the caller saw the descriptor readable), answers it and finishes it.
    /// When nginx has closed its side there is no request and libfcgi closes the descriptor.
    func serveNext(_ handle: (APIRequest) -> APIResponse) {
        guard FCGX_Accept_r(request) >= 0 else { return }
        let incoming = APIRequest(params: readParams(), body: readBody())
        write(handle(incoming))
        FCGX_Finish_r(request)
    }

    private func readParams() -> [String: String] {
        var params: [String: String] = [:]
        guard var cursor = request.pointee.envp else { return params }
        while let entry = cursor.pointee {
            // Split on the first '=' in the C string itself: one String per side, no substrings.
            let length = strlen(entry)
            entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                let buffer = UnsafeBufferPointer(start: bytes, count: length)
                if let equals = buffer.firstIndex(of: UInt8(ascii: "=")) {
                    params[String(decoding: buffer[..<equals], as: UTF8.self)] =
                        String(decoding: buffer[(equals + 1)...], as: UTF8.self)
                }
            }
            cursor += 1
        }
        return params
    }

    /// Reads at most `maxBodyBytes` (the app answers 413 from CONTENT_LENGTH) and drains the rest.
    private func readBody() -> [UInt8] {
        let declared = FCGX_GetParam("CONTENT_LENGTH", request.pointee.envp).flatMap { Int(String(cString: $0)) } ?? 0
        guard declared > 0 else { return [] }
        var body = [UInt8](repeating: 0, count: min(declared, maxBodyBytes))
        let read = body.withUnsafeMutableBytes { buffer in
            FCGX_GetStr(buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count), request.pointee.in)
        }
        body.removeLast(body.count - max(0, Int(read)))
        var scratch = [CChar](repeating: 0, count: 8192)
        while FCGX_GetStr(&scratch, Int32(scratch.count), request.pointee.in) > 0 {}
        return body
    }

    private func write(_ response: APIResponse) {
        let header = response.headerBlock()
        header.withUnsafeBytes { put($0) }
        response.body.withUnsafeBytes { put($0) }
        if let stream = response.stream {
            // Each piece goes out at once, so the worker holds one page, never the whole body.
            try? stream.write { piece in
                piece.withUnsafeBytes { put($0) }
                _ = FCGX_FFlush(request.pointee.out)
            }
        }
    }

    private func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), request.pointee.out)
    }
}
