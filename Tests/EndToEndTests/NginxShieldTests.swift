// Issue 16 #11, #12 and #2 (nginx's side): the plain-HTTP redirect names the configured server, not
// the client's Host; one address cannot hold more than its share of connections (limit_conn); and
// every per-address key of nginx is an IPv4 address or an IPv6 /64 (checked on the template's own
// `map` block in a network namespace this test makes, with addresses of 2001:db8::/32 on its lo).
import Foundation
import HTTPClient
import Testing
import TestSupport

@Suite("nginx shield (issue 16)", .needsStack)
struct NginxShieldTests {
    static var project: String { TestStack.projectDirectory }

    @Test("the redirect from plain HTTP names the configured server, whatever Host the client sends")
    func redirectIgnoresHost() throws {
        let response = try APIClient().raw(HTTPRequest(url: TestStack.plainURL + "/api/v1/health", headers: [("Host", "evil.example")]))
        #expect(response.status == 301)
        let location = response.headers["location"] ?? ""
        #expect(location.hasPrefix("https://localhost:"), "Location: \(location)")
        #expect(!location.contains("evil.example"))
    }

    @Test("one address holding its share of slow requests gets 429 for the next; another address does not")
    func connectionLimitPerAddress() throws {
        let limit = Int(TestStack.setting("SKANNR_NGINX_CONN_PER_ADDRESS") ?? "") ?? 64
        let port = URL(string: TestStack.baseURL)?.port ?? 0
        let script = Self.project + "/Tests/Fixtures/hold_connections.py"
        // 127.0.0.2 and .3 are loopback sources no other test uses, so their counters are this test's alone.
        let over = try Shell.run("/usr/bin/python3", [script, "127.0.0.1", "\(port)", "127.0.0.2", "\(limit)", "/api/v1/auth/login", "429"])
        #expect(over.contains(" 429"), "after \(limit) held requests: \(over)")
        let under = try Shell.run("/usr/bin/python3", [script, "127.0.0.1", "\(port)", "127.0.0.3", "\(limit - 1)", "/api/v1/auth/login"])
        #expect(under.contains(" 200"), "below the limit: \(under)")
    }

    /// The template's `map $binary_remote_addr $skannr_client_key { ... }` block, verbatim.
    static func clientKeyMap() throws -> String {
        let template = try String(contentsOfFile: project + "/nginx/skannr.conf.template", encoding: .utf8)
        guard let start = template.range(of: "map $binary_remote_addr $skannr_client_key {"),
              let end = template.range(of: "\n    }", range: start.upperBound..<template.endIndex) else { return "" }
        return String(template[start.lowerBound..<end.upperBound])
    }

    static var cannotUseNamespaces: String? {
        let ip = FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        return getuid() == 0 && ip ? nil : "needs root and ip(8) for a network namespace"
    }

    @Test("nginx's per-address limits key an IPv6 client by its /64 and an IPv4 client by its address", .needs(cannotUseNamespaces))
    func ipv6KeyedBySlash64() throws {
        let map = try Self.clientKeyMap()
        #expect(map.contains("$skannr_client_key"), "the template defines the client key")
        let template = try String(contentsOfFile: Self.project + "/nginx/skannr.conf.template", encoding: .utf8)
        #expect(!template.contains("limit_req_zone $binary_remote_addr"), "no limit keys on the full address")
        #expect(template.contains("limit_req_zone $skannr_client_key"))
        let statuses = try Self.limitedStatuses(map: map)
        // One request a minute per key: the second from the same /64 (another address) is refused,
        // another /64 and another IPv4 address each get their own.
        #expect(statuses == ["2001:db8:1:1::1 200", "2001:db8:1:1::2 429", "2001:db8:1:2::1 200",
                             "127.0.0.1 200", "127.0.0.1 429", "127.0.0.2 200"], "\(statuses)")
    }

    /// Runs nginx with `map` and a 1 r/min limit_req inside a namespace of its own; returns
    /// "source status" for requests from several sources on the namespace's lo.
    static func limitedStatuses(map: String) throws -> [String] {
        let namespace = "skn16-\(getpid() % 100000)"
        let directory = NSTemporaryDirectory() + "skannr-v6key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/www", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        try "ok\n".write(toFile: directory + "/www/index.html", atomically: true, encoding: .utf8)
        try """
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log;
            events {}
            http {
                access_log off;
                client_body_temp_path \(directory)/tmp;
                \(map)
                limit_req_zone $skannr_client_key zone=probe:1m rate=1r/m;
                limit_req_status 429;
                server { listen [::]:8099; listen 0.0.0.0:8099; location / { limit_req zone=probe; root \(directory)/www; } }
            }
            """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let script = """
            set -e
            trap 'kill $(cat \(directory)/nginx.pid 2>/dev/null) 2>/dev/null; ip netns del \(namespace) 2>/dev/null; rm -rf \(directory)' EXIT
            ip netns add \(namespace)
            ip -n \(namespace) link set lo up
            for a in 2001:db8:1:1::1 2001:db8:1:1::2 2001:db8:1:2::1; do ip -n \(namespace) addr add $a/64 dev lo nodad; done
            ip -n \(namespace) addr add 127.0.0.2/8 dev lo
            ip netns exec \(namespace) nginx -p \(directory) -c \(directory)/nginx.conf
            for _ in $(seq 1 50); do [ -f \(directory)/nginx.pid ] && break; sleep 0.1; done
            ask() { ip netns exec \(namespace) curl -s -o /dev/null -m 5 -w "$1 %{http_code}\\n" --interface "$1" "$2"; }
            ask 2001:db8:1:1::1 'http://[2001:db8:1:1::1]:8099/'
            ask 2001:db8:1:1::2 'http://[2001:db8:1:1::1]:8099/'
            ask 2001:db8:1:2::1 'http://[2001:db8:1:1::1]:8099/'
            ask 127.0.0.1 http://127.0.0.1:8099/
            ask 127.0.0.1 http://127.0.0.1:8099/
            ask 127.0.0.2 http://127.0.0.1:8099/
            """
        let output = try Shell.run("/bin/bash", ["-c", script])
        return output.split(separator: "\n").map(String.init).filter { $0.hasSuffix(" 200") || $0.hasSuffix(" 429") }
    }
}
