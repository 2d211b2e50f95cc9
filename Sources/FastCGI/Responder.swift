// The worker side of the pool: a synchronous libfcgi accept loop on the inherited listening socket.
// Traps: libfcgi's param pointers die at the next accept (we copy them); a SIGTERM that lands
// while a request runs cannot interrupt the next accept(), so the loop checks a flag first and the
// supervisor repeats SIGTERM until the worker is gone.

internal import CFastCGI
import Glibc

/// Set from the SIGTERM handler; read by the accept loop.
nonisolated(unsafe) private var shutdownRequested: sig_atomic_t = 0

public final class Responder {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private let maxBodyBytes: Int

    /// `listenFD` is the listening socket (0 by the FastCGI convention).
    public init(listenFD: Int32 = 0, maxBodyBytes: Int = 64 * 1024) throws(PoolError) {
        guard FCGX_Init() == 0 else { throw PoolError("FCGX_Init failed") }
        request = .allocate(capacity: 1)
        guard FCGX_InitRequest(request, listenFD, 0) == 0 else {
            request.deallocate()
            throw PoolError("FCGX_InitRequest failed on fd \(listenFD)")
        }
        self.maxBodyBytes = maxBodyBytes
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
    }

    /// Installs the graceful-stop handler: finish the current request, accept no more.
    public static func installShutdownHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            shutdownRequested = 1
            FCGX_ShutdownPending()
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked accept() returns EINTR
        sigaction(SIGTERM, &action, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Serves requests until shutdown is requested or the socket fails.
    public func run(_ handle: (Request) -> Response) {
        while shutdownRequested == 0 && FCGX_Accept_r(request) >= 0 {
            let incoming = Request(params: readParams(), body: readBody())
            write(handle(incoming))
            FCGX_Finish_r(request)
        }
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

    private func write(_ response: Response) {
        let header = response.headerBlock()
        header.withUnsafeBytes { put($0) }
        response.body.withUnsafeBytes { put($0) }
    }

    private func put(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), request.pointee.out)
    }
}

public struct PoolError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
