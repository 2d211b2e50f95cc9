// The router and the request pipeline, in process: matching, 404/405 as JSON, body limit,
// content type, malformed JSON, and the raw FastCGI parameters a request is built from.

import SkannrSettings
import FastCGI
import Foundation
import SkannrAPI
import Logging
import Testing

@Suite("Router and pipeline")
struct RouterTests {
    static func application(logger: Logger = .init(label: "test"), _ configure: (inout Router) -> Void = { _ in }) throws -> Application {
        var router = Router()
        router.open("GET", "/things/:id") { context in
            try .json(200, ["id": String(try context.id(of: "Thing"))])
        }
        router.open("POST", "/things") { context in
            var body = try context.body()
            let name = body.requiredString("name")
            try body.finish()
            return try .json(201, ["name": name ?? ""])
        }
        router.authenticated("GET", "/private") { _ in .noContent() }
        configure(&router)
        let settings = Settings(values: [
            "SKANNR_DB_SOCKET": "/nonexistent/mysql.sock", "SKANNR_DB_CONNECT_TIMEOUT": "1",
            "SKANNR_JWT_KEYS": "k1:" + String(repeating: "A", count: 44),
        ])
        let services = Services(configuration: try APIConfiguration(settings: settings), logger: logger)
        return Application(router: router, services: services, authenticator: nil, rateLimiter: nil)
    }

    static func json(_ response: APIResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    @Test("a path parameter is bound and passed to the handler")
    func pathParameter() throws {
        let response = try Self.application().handle(APIRequest(method: "GET", path: "/api/v1/things/42"))
        #expect(response.status == 200)
        #expect(Self.json(response)["id"] as? String == "42")
    }

    @Test("an id that is not a positive integer is a JSON 404", arguments: ["0", "-1", "abc", "+5", "99999999999999999999"])
    func badIDs(id: String) throws {
        let response = try Self.application().handle(APIRequest(method: "GET", path: "/api/v1/things/\(id)"))
        #expect(response.status == 404)
        #expect(Self.json(response)["code"] as? String == "not_found")
    }

    @Test("an unknown path is a JSON 404 with message and code")
    func unknownPath() throws {
        for path in ["/api/v1/nothing", "/api/v2/things/1", "/elsewhere", "/api/v1things/1"] {
            let response = try Self.application().handle(APIRequest(method: "GET", path: path))
            #expect(response.status == 404, "\(path)")
            #expect(Self.json(response)["code"] as? String == "not_found")
            #expect(Self.json(response)["message"] is String)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        }
    }

    @Test("a known path with another method is a JSON 405 naming the allowed methods")
    func wrongMethod() throws {
        let response = try Self.application().handle(APIRequest(method: "DELETE", path: "/api/v1/things/1"))
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET")
        #expect(Self.json(response)["code"] as? String == "method_not_allowed")
    }

    @Test("a declared body over 64 KiB is a JSON 413 before any handler runs")
    func bodyTooLarge() throws {
        let request = APIRequest(method: "POST", path: "/api/v1/things", headers: ["content-type": "application/json", "content-length": "102400"])
        let response = try Self.application().handle(request)
        #expect(response.status == 413)
        #expect(Self.json(response)["code"] as? String == "payload_too_large")
    }

    @Test("a write with a non-JSON body is a 415")
    func wrongContentType() throws {
        for type in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"] {
            let request = APIRequest(method: "POST", path: "/api/v1/things", headers: ["content-type": type], body: Array("name=x".utf8))
            let response = try Self.application().handle(request)
            #expect(response.status == 415, "\(type)")
            #expect(Self.json(response)["code"] as? String == "unsupported_media_type")
        }
    }

    @Test("JSON with a charset parameter is accepted")
    func jsonWithCharset() throws {
        let request = APIRequest(method: "POST", path: "/api/v1/things", headers: ["content-type": "Application/JSON; charset=utf-8"], body: Array(#"{"name":"a"}"#.utf8))
        #expect(try Self.application().handle(request).status == 201)
    }

    @Test("malformed JSON, a non-object and a wrong field type are 400s", arguments: [
        (#"{"name": "#, "bad_request"), ("[1,2]", "bad_request"), (#"{"name": 5}"#, "validation_failed"), (#"{}"#, "validation_failed"),
    ])
    func malformedJSON(body: String, code: String) throws {
        let request = APIRequest(method: "POST", path: "/api/v1/things", headers: ["content-type": "application/json"], body: Array(body.utf8))
        let response = try Self.application().handle(request)
        #expect(response.status == 400)
        #expect(Self.json(response)["code"] as? String == code)
    }

    @Test("validation errors name the offending field")
    func validationFields() throws {
        let request = APIRequest(method: "POST", path: "/api/v1/things", headers: ["content-type": "application/json"], body: Array(#"{"name": true}"#.utf8))
        let fields = Self.json(try Self.application().handle(request))["fields"] as? [String: String]
        #expect(fields?["name"]?.contains("string") == true)
    }

    @Test("an authenticated route without a token is a 401")
    func authenticatedWithoutToken() throws {
        let response = try Self.application().handle(APIRequest(method: "GET", path: "/api/v1/private"))
        #expect(response.status == 401)
        #expect(Self.json(response)["code"] as? String == "unauthorized")
    }

    @Test("a handler that throws something unexpected gives a plain 500 without internals, in the answer and in the log")
    func unexpectedError() throws {
        struct Secret: Error { let password = "hunter2" }
        let lines = CapturedLog()
        let logger = Logger(label: "test") { _ in lines }
        let app = try Self.application(logger: logger) { router in router.open("GET", "/boom") { _ in throw Secret() } }
        let response = app.handle(APIRequest(method: "GET", path: "/api/v1/boom"))
        #expect(response.status == 500)
        #expect(Self.json(response)["code"] as? String == "internal")
        #expect(!String(decoding: response.body, as: UTF8.self).contains("hunter2"))
        let logged = lines.text
        #expect(logged.contains("request failed") && logged.contains("Secret"), "the failure is logged with the error's type")
        #expect(!logged.contains("hunter2"))
    }

    @Test("health answers 503 in the same shape when the database cannot be reached")
    func healthWithoutDatabase() throws {
        let app = try Self.application { router in router = RouteTable.makeRouter() }
        let response = app.handle(APIRequest(method: "GET", path: "/api/v1/health"))
        #expect(response.status == 503)
        #expect(Self.json(response)["status"] as? String == "unavailable")
        #expect(Self.json(response)["database"] as? String == "unreachable")
    }
}

@Suite("FastCGI request parameters")
struct RequestParameterTests {
    @Test("headers, query, raw path and client address come from the FastCGI params")
    func fromParams() {
        let request = APIRequest(params: [
            "REQUEST_METHOD": "PATCH", "REQUEST_URI": "/api/v1/targets/7%20x?limit=5&cursor=a%2Bb&limit=9",
            "QUERY_STRING": "limit=5&cursor=a%2Bb&limit=9", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": "2", "HTTP_AUTHORIZATION": "Bearer t", "HTTP_X_FORWARDED_FOR": "1.2.3.4",
            "REMOTE_ADDR": "127.0.0.9", "REQUEST_ID": "abc123",
        ], body: Array("{}".utf8))
        #expect(request.method == "PATCH")
        #expect(request.path == "/api/v1/targets/7 x")
        #expect(request.query == ["limit": "5", "cursor": "a+b"])
        #expect(request.header("Authorization") == "Bearer t")
        #expect(request.header("x-forwarded-for") == "1.2.3.4")
        #expect(request.mediaType == "application/json")
        #expect(request.clientAddress == "127.0.0.9")
        #expect(request.requestID == "abc123")
    }

    @Test("without REQUEST_URI the already decoded DOCUMENT_URI is taken as is, not decoded again")
    func documentURIFallback() {
        let request = APIRequest(params: ["REQUEST_METHOD": "GET", "DOCUMENT_URI": "/api/v1/targets/%41"], body: [])
        #expect(request.path == "/api/v1/targets/%41")
        #expect(APIRequest(params: [:], body: []).path == "/")
    }

    @Test("a REQUEST_URI with a broken escape stays raw (and so matches no route)")
    func undecodableRequestURI() {
        let request = APIRequest(params: ["REQUEST_URI": "/api/v1/targets/%zz?x=1", "DOCUMENT_URI": "/ignored"], body: [])
        #expect(request.path == "/api/v1/targets/%zz")
    }

    @Test("response headers cannot be split by CR or LF in a value")
    func headerInjection() {
        var response = APIResponse(status: 200)
        response.setHeader("X-Test", "a\r\nSet-Cookie: evil")
        let block = String(decoding: response.headerBlock(), as: UTF8.self)
        #expect(!block.contains("\r\nSet-Cookie"))
        #expect(block.hasPrefix("Status: 200 OK\r\n"))
    }
}

/// A log handler that keeps every line (message and metadata) for a test to read.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        lock.withLock { lines.append("\(event.message) \(merged)") }
    }
}
