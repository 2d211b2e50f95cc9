// What an attacker sends, through nginx: injection payloads stored and returned verbatim, 4-byte
// UTF-8, NUL and control characters (refused: 400, consistently for labels and names), huge and
// deeply nested bodies, duplicate keys (refused), numbers out of range, bad limits and cursors,
// path traversal in ids, header injection, oversize and slowloris bodies. Every answer is JSON
// (or a closed connection for a stalled body) and the responders keep serving.
import Foundation
import MariaDB
import Testing
import TestSupport

@Suite("Hostile input through nginx", .needsStack)
struct HostileInputTests {
    static let injections = [
        "'; DROP TABLE targets; --", "\" OR \"1\"=\"1", "1' OR '1'='1' --", "x'); DELETE FROM users; --",
        "\\'; SELECT SLEEP(5); --", "%' UNION SELECT password_hash FROM users --", "`id`", "<script>alert(1)</script>",
        "{{7*7}}", "${jndi:ldap://127.0.0.1/a}", "../../etc/passwd", "%00%0d%0a", "🛰️ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ∑ 漢字",
    ]

    @Test("injection payloads and 4-byte UTF-8 in labels are stored and returned verbatim, never executed")
    func labelsRoundTrip() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let db = try TestStack.appDatabase()
        let tablesBefore = try Seed.count(db, "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()", [])
        for (index, label) in Self.injections.enumerated() {
            let created = try client.send("POST", "/targets", json: ["address": "10.90.\(index).1", "label": label])
            #expect(created.status == 201, "\(label): \(created)")
            let id = try #require(created.int("id"))
            #expect(created["label"] as? String == label)
            #expect(try client.get("/targets/\(id)")["label"] as? String == label)
            let stored = try db.queryOne("SELECT label FROM targets WHERE id = ?", [.int(id)])?.string("label")
            #expect(stored == label, "stored byte for byte")
            let patched = try client.send("PATCH", "/targets/\(id)", json: ["label": label + label])
            #expect(patched["label"] as? String == label + label)
        }
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()", []) == tablesBefore)
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM targets WHERE user_id = ?", [.int(account.id)]) == Int64(Self.injections.count))
        #expect(try Seed.count(db, "SELECT COUNT(*) AS n FROM users", []) > 0)
    }

    @Test("injection payloads in addresses, ports, enums and every query parameter are 400s, not SQL")
    func injectionInOtherFields() throws {
        let client = try TestAccount.make(plan: "business").client()
        for payload in Self.injections {
            for body: [String: Any] in [["address": payload], ["address": "10.91.0.1", "scan_profile": payload],
                                        ["address": "10.91.0.1", "scan_profile": "custom", "ports": payload]] {
                let response = try client.send("POST", "/targets", json: body)
                #expect(response.status == 400, "\(body): \(response)")
                #expect(response.code == "validation_failed", "\(body): \(response)")
            }
            let encoded = payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            for path in ["/targets?limit=\(encoded)", "/targets?cursor=\(encoded)", "/scans?status=\(encoded)",
                         "/scans?target_id=\(encoded)", "/scans?cursor=\(encoded)"] {
                let response = try client.send("GET", path)
                #expect(response.status == 400, "\(path): \(response)")
                #expect(response.code == "validation_failed", "\(path): \(response)")
            }
            let alerts = try client.send("GET", "/alerts?status=\(encoded)&type=\(encoded)&severity=\(encoded)&target_id=\(encoded)")
            #expect(alerts.status == 400 && alerts.code == "validation_failed", "\(alerts)")
        }
        #expect(try TestStack.appDatabase().queryOne("SELECT COUNT(*) AS n FROM targets")?.int("n") ?? -1 >= 0, "targets is still there")
    }

    @Test("names and emails carry injection payloads verbatim at registration")
    func accountFields() throws {
        let client = try APIClient()
        let name = "Robert'); DROP TABLE users; -- 🛰️"
        let email = "o'hara+\(UInt32.random(in: 0...UInt32.max))@example.test"
        let response = try client.send("POST", "/auth/register", json: ["name": name, "email": email, "password": "' OR 1=1 -- long enough"])
        #expect(response.status == 201, "\(response)")
        let user = response["user"] as? [String: Any]
        #expect(user?["name"] as? String == name)
        #expect(user?["email"] as? String == email)
        let login = try client.send("POST", "/auth/login", json: ["email": email, "password": "' OR 1=1 -- long enough"])
        #expect(login.status == 200, "\(login)")
        let wrong = try client.send("POST", "/auth/login", json: ["email": email, "password": "' OR '1'='1"])
        #expect(wrong.status == 401, "\(wrong)")
        let control = try client.send("POST", "/auth/register", json: ["name": "a\u{0}b", "email": "nul\(UInt32.random(in: 0...UInt32.max))@example.test", "password": "long enough password"])
        #expect(control.status == 400, "NUL in a name is refused like in a label: \(control)")
    }

    @Test("NUL bytes and other control characters in strings are refused with 400, never stored")
    func controlCharacters() throws {
        let client = try TestAccount.make(plan: "business").client()
        for label in ["a\u{0}b", "\u{0}", "line\r\nSet-Cookie: a=b", "bell\u{7}", "esc\u{1b}[31m"] {
            let response = try client.send("POST", "/targets", json: ["address": "10.92.0.1", "label": label])
            #expect(response.status == 400, "\(label.debugDescription): \(response)")
            #expect(response.fields["label"] != nil)
        }
        let address = try client.send("POST", "/targets", json: ["address": "10.92.0.1\u{0}.evil"])
        #expect(address.status == 400, "\(address)")
        #expect(try client.get("/targets").items.isEmpty, "nothing was stored")
    }

    @Test("a 10,000-character label is 400; 200 characters of 4-byte UTF-8 fit")
    func longLabels() throws {
        let client = try TestAccount.make(plan: "business").client()
        let long = try client.send("POST", "/targets", json: ["address": "10.93.0.1", "label": String(repeating: "x", count: 10_000)])
        #expect(long.status == 400)
        #expect(long.fields["label"] != nil)
        let emoji = String(repeating: "🛰", count: 200)
        let fits = try client.send("POST", "/targets", json: ["address": "10.93.0.2", "label": emoji])
        #expect(fits.status == 201, "\(fits)")
        #expect(fits["label"] as? String == emoji)
        let over = try client.send("POST", "/targets", json: ["address": "10.93.0.3", "label": emoji + "🛰"])
        #expect(over.status == 400)
    }

    @Test("deeply nested JSON is a 400, not a crash, and the responders keep serving")
    func deepNesting() throws {
        let client = try TestAccount.make(plan: "business").client()
        let bodies = [String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000),
                      String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000),
                      #"{"address":"10.94.0.1","label":"# + String(repeating: "[", count: 20_000) + "}"]
        for body in bodies {
            let response = try client.call("POST", "/targets", raw: Array(body.utf8), contentType: "application/json")
            #expect(response.status == 400, "\(response)")
            #expect(response.code == "bad_request")
        }
        for _ in 0..<8 { #expect(try client.get("/targets").status == 200, "every worker still answers") }
    }

    @Test("a body that names a key twice is refused (400), whichever value comes first")
    func duplicateKeys() throws {
        let client = try TestAccount.make(plan: "business").client()
        for body in [#"{"address":"10.95.0.1","address":"10.95.0.2"}"#, #"{"address":"10.95.0.1","label":"a","label":"b"}"#,
                     #"{"address":"10.95.0.1","\u0061ddress":"10.95.0.2"}"#] {
            let response = try client.call("POST", "/targets", raw: Array(body.utf8), contentType: "application/json")
            #expect(response.status == 400, "\(body): \(response)")
            #expect(response.code == "bad_request")
        }
        let nested = try client.call("POST", "/targets", raw: Array(#"{"address":"10.95.0.3","label":"x","enabled":true}"#.utf8), contentType: "application/json")
        #expect(nested.status == 201, "distinct keys are fine: \(nested)")
        #expect(try client.get("/targets").items.count == 1)
    }

    @Test("numbers out of range are 400 naming the field")
    func numbersOutOfRange() throws {
        let client = try TestAccount.make(plan: "business").client()
        for raw in ["1e30", "-1", "0", "9223372036854775808", "9223372036854775807", "-9223372036854775809", "14", "525601", "60.5", "\"60\"", "true", "[60]"] {
            let body = #"{"address":"10.96.0.1","interval_minutes":"# + raw + "}"
            let response = try client.call("POST", "/targets", raw: Array(body.utf8), contentType: "application/json")
            #expect(response.status == 400, "interval_minutes \(raw): \(response)")
            #expect(response.fields["interval_minutes"] != nil, "\(raw): \(response)")
        }
        #expect(try client.get("/targets").items.isEmpty)
    }

    @Test("negative, zero, huge and malformed limits and invalid cursors are 400")
    func limitsAndCursors() throws {
        let client = try TestAccount.make(plan: "business").client()
        for limit in ["-1", "0", "201", "99999999999999999999", "1e2", "abc", "", "+5", "5.0", "0x10", "%20%205"] {
            for list in ["/targets", "/scans"] {
                let response = try client.send("GET", "\(list)?limit=\(limit)")
                #expect(response.status == 400, "\(list) limit=\(limit): \(response)")
                #expect(response.fields["limit"] != nil)
            }
        }
        for cursor in ["x", "AAAA", "-1", String(repeating: "A", count: 5_000), "%FF%FE", "eyJpZCI6MX0"] {
            let response = try client.send("GET", "/targets?cursor=\(cursor)")
            #expect(response.status == 400, "cursor \(cursor.prefix(20)): \(response)")
            #expect(response.fields["cursor"] != nil)
        }
        #expect(try client.get("/targets?limit=200").status == 200)
        #expect(try client.get("/targets?limit=1").status == 200)
    }

    @Test("path traversal and junk in ids are JSON 404/400s, never another resource")
    func pathTraversal() throws {
        let account = try TestAccount.make(plan: "business")
        let client = try account.client()
        let id = try account.target("10.97.0.1", ["label": "mine"], using: client)
        for path in ["/targets/..%2F..%2Fetc", "/targets/..%2f..%2f..%2fetc%2fpasswd", "/targets/%2e%2e", "/targets/%2e%2e%2f%2e%2e",
                     "/targets/1%00", "/targets/\(id)%00", "/targets/\(id);drop", "/targets/-\(id)", "/targets/+\(id)", "/targets/0\(id)x",
                     "/targets/\(id).json", "/targets/99999999999999999999999", "/targets/0", "/scans/..%2F", "/targets/%252e%252e"] {
            let response = try client.send("GET", path)
            #expect([400, 404].contains(response.status), "\(path): \(response)")
            #expect(response.code == "not_found" || response.code == "bad_request", "a JSON error: \(path): \(response)")
            #expect(response["label"] == nil, "\(path) never reaches a target")
        }
    }

    @Test("header injection attempts do not add response headers")
    func headerInjection() throws {
        let client = try TestAccount.make(plan: "business").client()
        for path in ["/targets?cursor=%0d%0aSet-Cookie:%20pwned=1", "/targets/1%0d%0aSet-Cookie:%20pwned=1",
                     "/scans?status=x%0d%0aLocation:%20http://127.0.0.1/"] {
            let response = try client.send("GET", path)
            #expect([400, 404].contains(response.status), "\(path): \(response)")
            #expect(response.header("set-cookie") == nil)
            #expect(response.header("location") == nil)
        }
        let forged = try client.send("GET", "/targets", headers: [("X-Request-Id", "abc"), ("X-Forwarded-For", "203.0.113.9")])
        #expect(forged.status == 200)
        #expect(forged.header("set-cookie") == nil)
    }

    @Test("a body over 64 KiB is a JSON 413, with or without a Content-Length")
    func oversizeBody() throws {
        let client = try TestAccount.make(plan: "business").client()
        let huge = #"{"address":"10.98.0.1","label":""# + String(repeating: "a", count: 70_000) + #""}"#
        let response = try client.call("POST", "/targets", raw: Array(huge.utf8), contentType: "application/json")
        #expect(response.status == 413, "\(response)")
        #expect(response.code == "payload_too_large")
        let chunked = try client.call("POST", "/targets", raw: Array(huge.utf8), contentType: "application/json",
                                      headers: [("Transfer-Encoding", "chunked")])
        #expect(chunked.status == 413, "\(chunked)")
        #expect(try client.get("/targets").items.isEmpty)
    }

    @Test("a slowloris body (headers, then a trickle that stops) is cut off by nginx within 15 seconds")
    func slowBody() throws {
        let url = try #require(URL(string: TestStack.baseURL))
        let port = try #require(url.port)
        let script = """
            import socket, ssl, sys, time
            ctx = ssl.create_default_context(cafile=sys.argv[2])
            raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(b"POST /api/v1/targets HTTP/1.1\\r\\nHost: localhost\\r\\nContent-Type: application/json\\r\\nContent-Length: 1000\\r\\n\\r\\n{\\"addr")
            start = time.monotonic()
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (socket.timeout, ssl.SSLError, ConnectionResetError):
                pass
            print("closed_after=%.1f" % (time.monotonic() - start))
            print("answer=" + (data.split(b"\\r\\n", 1)[0].decode(errors="replace") if data else "none"))
            """
        let output = try Shell.run("/usr/bin/python3", ["-c", script, String(port), TestStack.caFile ?? ""])
        let seconds = output.split(separator: "\n").first { $0.hasPrefix("closed_after=") }.flatMap { Double($0.dropFirst(13)) }
        let closed = try #require(seconds, "\(output)")
        #expect(closed >= 8 && closed <= 15, "nginx's client_body_timeout (10 s) closed the connection: \(output)")
        #expect(output.contains("answer=none") || output.contains("408"), "nothing but a 408 or a close: \(output)")
        #expect(try APIClient().get("/health").status == 200, "the server still serves")
    }
}
