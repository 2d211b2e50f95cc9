// The guard's pin reaches the wire: HTTPClient connects to the pinned address for a name that no
// resolver knows, so the address checked is the address used (no second lookup to rebind).
import Foundation
import HTTPClient
import Testing
import TestSupport

@Suite("Pinned connections")
struct PinnedConnectionTests {
    @Test("a request to an unresolvable name goes to the pinned loopback address")
    func pinnedAddressIsUsed() throws {
        let port = try LoopbackListener.freePort()
        let log = NSTemporaryDirectory() + "skannr-pin-\(UUID().uuidString).jsonl"
        defer { unlink(log) }
        let receiver = try BackgroundProcess("/usr/bin/python3", [
            TestStack.projectDirectory + "/Tests/Fixtures/webhook_receiver.py", "--port", "\(port)", "--log", log, "--statuses", "204",
        ])
        defer { receiver.kill() }
        let deadline = Date().addingTimeInterval(10)
        while !LoopbackListener.accepts(port: port), Date() < deadline { usleep(50_000) }

        let client = try HTTPClient(timeout: .seconds(5))
        var request = HTTPRequest(method: "POST", url: "http://hook.skannr-pinned.invalid:\(port)/x", body: "{}")
        #expect(throws: HTTPClientError.self) { try client.send(request) }   // unpinned: the name does not resolve
        request.pinnedAddresses = ["hook.skannr-pinned.invalid:\(port):127.0.0.1"]
        let response = try client.send(request)
        #expect(response.status == 204)
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logged.contains("\"host\": \"hook.skannr-pinned.invalid:\(port)\""), "\(logged)")
    }
}
