// HTTPClient against a local Python server: GET, binary bodies, 404, POST with raw bodies and
// explicit or absent Content-Type, repeated headers, keep-alive reuse, size cap, refused
// connections, a listener that never answers (timeout), and HTTPS with a self-signed certificate.
import Foundation
import Testing
import HTTPClient

@Suite("HTTPClient", .serialized)
struct HTTPClientTests {
    func echo(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try response.json() as? [String: Any])
    }

    @Test("GET returns the status, lowercased headers and body; repeated headers are joined")
    func get() throws {
        let server = try EchoServer()
        let client = try HTTPClient()
        let response = try client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/hello?x=1",
                                                   headers: [("X-Request-Id", "abc")]))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.header("X-Multi") == "one, two")
        #expect(response.headers["set-cookie"] == "a=1; Path=/\nb=2")
        let body = try echo(response)
        #expect(body["method"] as? String == "GET")
        #expect(body["path"] as? String == "/hello?x=1")
        #expect((body["headers"] as? [String: String])?["x-request-id"] == "abc")
    }

    @Test("a binary file arrives byte for byte and a missing path is a 404 response, not an error")
    func fileAnd404() throws {
        let server = try EchoServer()
        let client = try HTTPClient()
        let file = try client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/file"))
        #expect(file.status == 200)
        let block: [UInt8] = (0...255).map { UInt8($0) }
        let expected: [UInt8] = block + block + block + block
        #expect(file.body == expected)
        let missing = try client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/missing"))
        #expect(missing.status == 404)
    }

    @Test("POST sends the raw body with the given Content-Type, or with none at all")
    func post() throws {
        let server = try EchoServer()
        let client = try HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/v1/customers"
        let form = try echo(client.send(HTTPRequest(method: "POST", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Idempotency-Key", "k-1")],
            body: "email=a%2Bb%40example.com&line_items[0][price]=price_1")))
        #expect(form["method"] as? String == "POST")
        #expect(form["body"] as? String == "email=a%2Bb%40example.com&line_items[0][price]=price_1")
        let headers = try #require(form["headers"] as? [String: String])
        #expect(headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(headers["idempotency-key"] == "k-1")
        #expect(headers["expect"] == nil)

        let raw = try echo(client.send(HTTPRequest(method: "POST", url: url, body: [0x7b, 0x7d])))
        #expect(raw["body"] as? String == "{}")
        #expect((raw["headers"] as? [String: String])?["content-type"] == nil)
        #expect((raw["headers"] as? [String: String])?["content-length"] == "2")

        let empty = try echo(client.send(HTTPRequest(method: "POST", url: url)))
        #expect((empty["headers"] as? [String: String])?["content-length"] == "0")
    }

    @Test("other methods are sent as asked, and HEAD returns headers without a body")
    func methods() throws {
        let server = try EchoServer()
        let client = try HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/x"
        #expect(try echo(client.send(HTTPRequest(method: "DELETE", url: url)))["method"] as? String == "DELETE")
        let patch = try echo(client.send(HTTPRequest(method: "PATCH", url: url, body: "{\"a\":1}")))
        #expect(patch["method"] as? String == "PATCH" && patch["body"] as? String == "{\"a\":1}")
        // After a request with a body, a plain GET on the same handle carries none.
        let get = try echo(client.send(HTTPRequest(url: url)))
        #expect(get["method"] as? String == "GET" && get["body"] as? String == "")
        let head = try client.send(HTTPRequest(method: "HEAD", url: url))
        #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] != nil)
    }

    @Test("consecutive requests reuse the same kept-alive connection")
    func keepAlive() throws {
        let server = try EchoServer()
        let client = try HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/a"
        let first = try echo(client.send(HTTPRequest(url: url)))["client_port"] as? Int
        let second = try echo(client.send(HTTPRequest(method: "POST", url: url, body: "x")))["client_port"] as? Int
        #expect(first != nil && first == second)
    }

    @Test("a body over the configured cap fails instead of growing without bound")
    func sizeCap() throws {
        let server = try EchoServer()
        let client = try HTTPClient(maxResponseBytes: 100_000)
        #expect(throws: HTTPClientError.self) { try client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/big")) }
        #expect(try client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/file")).body.count == 1024)
    }

    @Test("a refused connection is an error with curl's code, marked as a connect failure")
    func refused() throws {
        let closed = try LoopbackSocket(listen: false)
        let client = try HTTPClient(timeout: .seconds(3))
        do {
            _ = try client.send(HTTPRequest(url: "http://127.0.0.1:\(closed.port)/"))
            Issue.record("expected a connection error")
        } catch {
            #expect(error.code == 7)
            #expect(error.isConnectFailure && !error.isTimeout)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("a listener that never answers times out within the client's timeout")
    func timeout() throws {
        let silent = try LoopbackSocket(listen: true)
        let client = try HTTPClient(timeout: .milliseconds(400))
        let start = ContinuousClock.now
        do {
            _ = try client.send(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(silent.port)/v1/charges", body: "a=1"))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.isTimeout)
            #expect(error.code == 28)
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("requests with CR/LF in headers or a non-http URL are refused before sending")
    func invalidRequests() throws {
        let client = try HTTPClient()
        for request in [HTTPRequest(url: "http://127.0.0.1:1/", headers: [("X-A", "1\r\nInjected: yes")]),
                        HTTPRequest(url: "http://127.0.0.1:1/", headers: [("Bad Name", "1")]),
                        HTTPRequest(url: "file:///etc/passwd"),
                        HTTPRequest(method: "GET /x", url: "http://127.0.0.1:1/")] {
            #expect(throws: HTTPClientError.self) { try client.send(request) }
            do { _ = try client.send(request) } catch { #expect(error.isInvalidRequest) }
        }
    }

    @Test("HTTPS with a self-signed certificate: trusted through caFile, refused by default, allowed unverified")
    func https() throws {
        let server = try EchoServer(tls: true)
        let url = "https://127.0.0.1:\(server.port)/secure"
        let trusted = try HTTPClient(caFile: server.certificatePath)
        #expect(try trusted.send(HTTPRequest(url: url)).status == 200)
        let localhost = try trusted.send(HTTPRequest(url: "https://localhost:\(server.port)/secure"))
        #expect(localhost.status == 200)
        let strict = try HTTPClient()
        do {
            _ = try strict.send(HTTPRequest(url: url))
            Issue.record("expected certificate verification to fail")
        } catch {
            #expect(error.code == 60)   // CURLE_PEER_FAILED_VERIFICATION
        }
        let insecure = try HTTPClient(verifyPeer: false)
        #expect(try insecure.send(HTTPRequest(url: url)).status == 200)
    }
}
