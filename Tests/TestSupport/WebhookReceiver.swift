// A local HTTPS webhook receiver for notification tests (Tests/Fixtures/webhook_receiver.py) on
// 127.0.0.1 with the stack's own certificate (which the stack's notifier trusts through
// SKANNR_NOTIFY_CA_FILE), and the local SMTP sink (Tests/Fixtures/smtp_sink.py).
import Foundation
import Glibc

public final class WebhookReceiver {
    public let port: UInt16
    public let logPath: String
    private let process: BackgroundProcess

    /// `statuses`: the answers in order, the last repeating. `delay`: seconds before each answer.
    public init(statuses: [Int] = [200], delay: Double = 0, port: UInt16? = nil) throws {
        self.port = try port ?? LoopbackListener.freePort()
        logPath = NSTemporaryDirectory() + "skannr-hook-\(UUID().uuidString).jsonl"
        let tls = TestStack.runtimeDirectory + "/tls"
        process = try BackgroundProcess("/usr/bin/python3", [
            TestStack.projectDirectory + "/Tests/Fixtures/webhook_receiver.py", "--port", "\(self.port)", "--log", logPath,
            "--cert", tls + "/cert.pem", "--key", tls + "/key.pem",
            "--statuses", statuses.map(String.init).joined(separator: ","), "--delay", "\(delay)",
        ])
        let deadline = Date().addingTimeInterval(10)
        while !LoopbackListener.accepts(port: self.port) {
            guard Date() < deadline else { process.kill(); throw LoopbackError("the webhook receiver did not listen on \(self.port)") }
            usleep(50_000)
        }
    }

    deinit { stop() }

    public func stop() {
        process.kill()
    }

    /// https://localhost:PORT/hook (a name, so the notifier's resolve-and-pin path is used).
    public var url: String { "https://localhost:\(port)/hook" }

    public struct Received {
        public let received: Double
        public let headers: [String: String]
        public let body: String
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    public func requests() -> [Received] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return Received(received: object["received"] as? Double ?? 0, headers: object["headers"] as? [String: String] ?? [:],
                            body: object["body"] as? String ?? "")
        }
    }

    /// Waits until at least `count` requests arrived (or `timeout` seconds passed); returns them.
    @discardableResult
    public func waitFor(_ count: Int, timeout: Double = 30) -> [Received] {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = requests()
        while seen.count < count, Date() < deadline {
            usleep(50_000)
            seen = requests()
        }
        return seen
    }
}

/// The SMTP sink on the port of the stack's SKANNR_SMTP_URL; each message is <n>.eml + <n>.json.
public final class SMTPSink {
    public let directory: String
    private let process: BackgroundProcess

    public init(port: UInt16) throws {
        directory = NSTemporaryDirectory() + "skannr-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process = try BackgroundProcess("/usr/bin/python3", [
            TestStack.projectDirectory + "/Tests/Fixtures/smtp_sink.py", "--port", "\(port)", "--dir", directory,
        ])
        let deadline = Date().addingTimeInterval(10)
        while !LoopbackListener.accepts(port: port) {
            guard Date() < deadline else { process.kill(); throw LoopbackError("the SMTP sink did not listen on \(port)") }
            usleep(50_000)
        }
    }

    deinit {
        process.kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Messages received so far: (envelope recipients, raw message).
    public func messages() -> [(to: [String], raw: String)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            let base = directory + "/" + name.dropLast(5)
            guard let envelope = try? Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)),
                  let object = (try? JSONSerialization.jsonObject(with: envelope)) as? [String: Any],
                  let raw = try? String(contentsOfFile: base + ".eml", encoding: .utf8) else { return nil }
            return (object["to"] as? [String] ?? [], raw)
        }
    }
}
