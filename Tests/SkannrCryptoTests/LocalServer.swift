// Test fixtures for HTTPClient: a small Python HTTP/1.1 echo server on 127.0.0.1 (optionally TLS
// with a throwaway self-signed certificate), plus raw sockets that refuse or never answer.
// Everything binds to loopback only; the server process is killed when the fixture is released.
import Foundation
import TestSupport
import Glibc
import HTTPClient

final class EchoServer {
    let port: Int
    let directory: URL
    private let process: BackgroundProcess

    static let script = #"""
    import http.server, json, ssl, sys, time
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path == "/file":
                payload, kind, status = bytes(range(256)) * 4, "application/octet-stream", 200
            elif self.path == "/big":
                payload, kind, status = b"x" * 200000, "text/plain", 200
            else:
                status = 404 if self.path.startswith("/missing") else 200
                payload = json.dumps({"method": self.command, "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("latin-1"), "client_port": self.client_address[1]}).encode()
                kind = "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Set-Cookie", "a=1; Path=/")
            self.send_header("Set-Cookie", "b=2")
            self.send_header("X-Multi", "one")
            self.send_header("X-Multi", "two")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    if len(sys.argv) > 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
    """#

    /// Starts the server and waits (at most ~5 s) until it answers. With `tls`, also writes
    /// cert.pem/key.pem (CN=localhost, SAN IP:127.0.0.1) into `directory`.
    init(tls: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("skannr-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptPath = directory.appendingPathComponent("server.py").path
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        port = try freePort()
        var arguments = [scriptPath, String(port)]
        if tls {
            try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                              "-nodes", "-days", "1", "-subj", "/CN=localhost",
                                              "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                                              "-keyout", directory.appendingPathComponent("key.pem").path,
                                              "-out", directory.appendingPathComponent("cert.pem").path])
            arguments += [directory.appendingPathComponent("cert.pem").path, directory.appendingPathComponent("key.pem").path]
        }
        process = try BackgroundProcess("/usr/bin/python3", arguments)
        try waitUntilListening()
    }

    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }

    deinit {
        process.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntilListening() throws {
        for _ in 0..<100 {
            if LoopbackListener.accepts(port: UInt16(port)) { return }
            usleep(50_000)
        }
        throw HTTPClientError(code: -1, message: "echo server did not start on port \(port)")
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let result = try Shell.execute(executable, arguments, timeout: 30)
        guard result.status == 0 else {
            throw HTTPClientError(code: -1, message: "\(executable) exited with \(result.status)")
        }
    }
}

/// A TCP socket bound to 127.0.0.1 on a kernel-chosen port; `listen` decides whether it accepts
/// handshakes (which are then never answered) or refuses them. Closed in deinit.
final class LoopbackSocket {
    let fd: Int32
    let port: Int

    init(listen shouldListen: Bool) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard descriptor >= 0, bound == 0, !shouldListen || Glibc.listen(descriptor, 16) == 0 else {
            let code = errno
            if descriptor >= 0 { close(descriptor) }
            throw HTTPClientError(code: -1, message: "socket setup failed: errno \(code)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        fd = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

func freePort() throws -> Int { try LoopbackSocket(listen: false).port }
