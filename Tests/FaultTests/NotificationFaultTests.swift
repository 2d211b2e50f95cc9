// Notifications with the live stack: a new_port alert raised by a real scan of a loopback port
// (the stack's scan-runner, pinned to loopback) reaches a local HTTPS receiver signed as the README
// says (checked with the README's own Python snippet); and kill -9 of a notifier in the middle of a
// batch loses nothing: every event arrives, first arrivals in creation order, repeats only of event
// ids already seen. Runs alone (FaultTests): it starts and stops the scan-runner and the notifier.
import Foundation
import Glibc
import Testing
import TestSupport

@Suite("Notifications with live workers", .serialized, .needsStack)
struct NotificationFaultTests {
    static func number(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }

    /// The README's verification snippet (Python), run on what the receiver got.
    static func pythonVerifies(secret: String, header: String, body: String) throws -> Bool {
        let script = """
            import hmac, hashlib, sys, time
            secret, header, body = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
            parts = dict(p.split("=", 1) for p in header.split(","))
            expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
            print("valid" if ok else "invalid")
            """
        let bodyPath = NSTemporaryDirectory() + "skannr-body-\(UUID().uuidString)"
        defer { unlink(bodyPath) }
        try body.write(toFile: bodyPath, atomically: false, encoding: .utf8)
        let output = try Shell.run("/usr/bin/python3", ["-c", script, secret, header, bodyPath])
        return output.trimmingCharacters(in: .whitespacesAndNewlines) == "valid"
    }

    @Test("a new_port alert from a real scan of a loopback port reaches an HTTPS webhook, signed as documented")
    func scanRaisedAlertIsDelivered() throws {
        try TestStack.control("scanner-start")
        defer { _ = try? TestStack.control("scanner-stop") }
        let receiver = try WebhookReceiver(statuses: [200])
        let account = try TestAccount.make(plan: "business")
        let client = try APIClient(token: account.token)
        let created = try client.post("/notifications/channels", ["type": "webhook", "url": receiver.url, "min_severity": "info"])
        try #require(created.status == 201, "\(created)")
        let secret = try #require(created["secret"] as? String)

        let keep = try LoopbackListener()
        defer { keep.close() }
        let later = try LoopbackListener.freePort()
        let target = try client.post("/targets", ["address": "127.0.0.1", "scan_profile": "custom", "ports": "\(keep.port),\(later)"])
        try #require(target.status == 201, "\(target)")
        let targetID = try #require(Self.number(target["id"]))
        _ = try ScanFlowTests.scan(client, target: targetID)        // baseline: no port alerts
        #expect(receiver.requests().isEmpty)
        let opened = try LoopbackListener(port: later)
        defer { opened.close() }
        let second = try ScanFlowTests.scan(client, target: targetID)

        let requests = receiver.waitFor(1, timeout: 30)
        let request = try #require(requests.first, "no webhook arrived")
        #expect(requests.count == 1)
        #expect(request.json["type"] as? String == "alert.opened")
        let alert = try #require((request.json["data"] as? [String: Any])?["alert"] as? [String: Any])
        #expect(alert["type"] as? String == "new_port" && Self.number(alert["port"]) == Int64(later), "\(alert)")
        #expect(Self.number(alert["scan_id"]) == second && alert["host"] as? String == "127.0.0.1")
        let listed = try client.get("/alerts?type=new_port").items.first
        #expect(Self.number(listed?["id"]) == Self.number(alert["id"]))
        #expect(request.headers["skannr-event-id"] == request.json["id"] as? String)
        let header = try #require(request.headers["skannr-signature"])
        #expect(try Self.pythonVerifies(secret: secret, header: header, body: request.body))
        #expect(try !Self.pythonVerifies(secret: secret + "x", header: header, body: request.body))
    }

    @Test("kill -9 of the notifier in the middle of a batch loses nothing and repeats only event ids already sent")
    func killedWorkerLosesNothing() throws {
        try TestStack.control("notifier-stop")
        defer { _ = try? TestStack.control("notifier-start") }
        let receiver = try WebhookReceiver(statuses: [200], delay: 0.1)
        let account = try TestAccount.make(plan: "business")
        let client = try APIClient(token: account.token)
        let created = try client.post("/notifications/channels", ["type": "webhook", "url": receiver.url])
        try #require(created.status == 201, "\(created)")
        let channel = try #require(Self.number(created["id"]))
        let events = 30
        for _ in 0..<events { #expect(try client.post("/notifications/channels/\(channel)/test").status == 202) }
        let queued = try client.get("/notifications/deliveries?channel_id=\(channel)&limit=200").items
        let expected = queued.reversed().compactMap { $0["event_id"] as? String }   // oldest first
        try #require(expected.count == events && Set(expected).count == events)

        let settings = ProcessInfo.processInfo.environment["SKANNR_TEST_SETTINGS"] ?? ""
        let worker = try BackgroundProcess(TestStack.binDirectory + "/skannr-notifier", ["--config", settings])
        let before = receiver.waitFor(5, timeout: 30).count
        worker.kill()
        try #require(before >= 5 && before < events, "the worker was not killed mid-batch (\(before) received)")
        try TestStack.control("notifier-start")             // takes over once the dead worker's leases expire

        var delivered = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let items = try client.get("/notifications/deliveries?channel_id=\(channel)&limit=200").items
            delivered = items.filter { $0["status"] as? String == "delivered" }.count
            if delivered == events { break }
            usleep(200_000)
        }
        #expect(delivered == events)
        let received = receiver.requests().compactMap { $0.headers["skannr-event-id"] }
        var firstArrivals: [String] = []
        for id in received where !firstArrivals.contains(id) { firstArrivals.append(id) }
        #expect(firstArrivals == expected, "events missing or out of order")
        #expect(Set(received) == Set(expected))
        print("SKANNR-FIGURES notify_kill9: events=\(events) received=\(received.count) repeats=\(received.count - events) before_kill=\(before)")
    }
}
