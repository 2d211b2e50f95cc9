// The stack through nginx over HTTPS with real sockets: health, JSON errors made by the
// responders and by nginx itself, body limit, redirect from plain HTTP, security headers.

import Foundation
import HTTPClient
import Testing
import TestSupport

@Suite("Stack through nginx", .needsStack)
struct StackTests {
    @Test("health is 200 with the status and database fields")
    func health() throws {
        let response = try APIClient().get("/health")
        #expect(response.status == 200)
        #expect(response["status"] as? String == "ok")
        #expect(response["database"] as? String == "ok")
        #expect(response.header("content-type")?.hasPrefix("application/json") == true)
        #expect(response.header("strict-transport-security")?.contains("max-age=") == true)
        #expect(response.header("server") == "nginx", "no version in the Server header")
    }

    @Test("an unknown API path is a JSON 404 from the responders")
    func unknownAPIPath() throws {
        let response = try APIClient().get("/no/such/thing")
        #expect(response.status == 404)
        #expect(response.code == "not_found")
        #expect(response["message"] is String)
    }

    @Test("a path outside the API is a JSON 404 from nginx")
    func outsideAPI() throws {
        let response = try APIClient().raw(HTTPRequest(url: TestStack.baseURL.replacingOccurrences(of: "/api/v1", with: "/index.html")))
        #expect(response.status == 404)
        #expect(response.text.contains(#""code":"not_found""#))
    }

    @Test("a wrong method is a JSON 405")
    func wrongMethod() throws {
        let response = try APIClient().call("DELETE", "/health")
        #expect(response.status == 405)
        #expect(response.code == "method_not_allowed")
        #expect(response.header("allow") == "GET")
    }

    @Test("a 100 KiB body is refused by nginx with a JSON 413")
    func oversizeBody() throws {
        let response = try APIClient().call("POST", "/auth/login", raw: [UInt8](repeating: 0x61, count: 100 * 1024))
        #expect(response.status == 413)
        #expect(response.code == "payload_too_large")
    }

    @Test("a body of exactly 64 KiB passes nginx and reaches the responder")
    func bodyAtLimit() throws {
        let response = try APIClient().call("POST", "/health", raw: [UInt8](repeating: 0x20, count: 64 * 1024))
        #expect(response.status == 405)
    }

    @Test("plain HTTP is redirected to HTTPS")
    func redirect() throws {
        let response = try APIClient().raw(HTTPRequest(url: TestStack.plainURL + "/api/v1/health"))
        #expect(response.status == 301)
        #expect(response.header("location")?.hasPrefix("https://") == true)
        #expect(response.header("location")?.hasSuffix("/api/v1/health") == true)
    }

    @Test("TLS 1.1 is refused and TLS 1.3 is accepted")
    func tlsVersions() throws {
        let port = URL(string: TestStack.baseURL)?.port ?? 8443
        // SECLEVEL=0 so that the client really offers TLS 1.1: the refusal seen is the server's alert.
        let old = try Shell.execute("/bin/sh", ["-c", "echo | /usr/bin/openssl s_client -connect 127.0.0.1:\(port) -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -brief 2>&1"],
                                    timeout: 20).output
        #expect(old.contains("alert protocol version"), "nginx refuses the TLS 1.1 handshake: \(old)")
        #expect(!old.contains("Protocol version: TLSv1.1"))
        let modern = try Shell.run("/bin/sh", ["-c", "echo | /usr/bin/openssl s_client -connect 127.0.0.1:\(port) -tls1_3 -brief 2>&1"])
        #expect(modern.contains("TLSv1.3"))
    }

    @Test("every request carries nginx's request id into the log")
    func requestIDLogged() throws {
        _ = try APIClient().get("/health")
        let log = try String(contentsOfFile: TestStack.runtimeDirectory + "/logs/api.log", encoding: .utf8)
        let lastRequest = log.split(separator: "\n").last { $0.contains(#""msg":"request""#) && $0.contains(#""route":"/health""#) }
        let id = lastRequest.flatMap { line in line.range(of: #""request_id":"([0-9a-f]{32})""#, options: .regularExpression) }
        #expect(id != nil, "request lines carry nginx's 32-hex $request_id")
    }
}
