// What a person reads: Slack text and email (subject, plain text, HTML) made from a stored event
// payload and the target's address/label (read at send time). No links, nothing clever: what
// changed, on which target, how severe, when. Every value from the payload is escaped for its medium.
import Foundation

public struct EventMessage: Sendable, Equatable {
    public let eventID: String
    public let type: String
    public let createdAt: String
    public let alert: Alert?
    public let text: String?

    public struct Alert: Sendable, Equatable, Decodable {
        public let id: Int64
        public let type: String
        public let severity: String
        public let host: String
        public let port: Int?
        public let title: String
        public let status: String
        public let targetID: Int64
        enum CodingKeys: String, CodingKey { case id, type, severity, host, port, title, status, targetID = "target_id" }
    }

    struct Envelope: Decodable {
        let id: String
        let type: String
        let createdAt: String
        let data: DataObject
        enum CodingKeys: String, CodingKey { case id, type, createdAt = "created_at", data }
    }

    struct DataObject: Decodable {
        let alert: Alert?
        let message: String?
        let scan: Scan?
    }

    struct Scan: Decodable {
        let id: Int64
        let targetID: Int64
        let error: String?
        enum CodingKeys: String, CodingKey { case id, error, targetID = "target_id" }
    }

    public init(payload: String) throws {
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(payload.utf8))
        eventID = envelope.id
        type = envelope.type
        createdAt = envelope.createdAt
        alert = envelope.data.alert
        text = envelope.data.message ?? envelope.data.scan.map { "Scan #\($0.id) of target #\($0.targetID) failed: \($0.error ?? "no reason given")" }
    }

    /// "Alert opened", "Alert resolved", "Scan failed", "Test".
    var headline: String {
        switch type {
        case "alert.opened": "Alert opened"
        case "alert.resolved": "Alert resolved"
        case "scan.failed": "Scan failed"
        case "test": "Test notification"
        default: type
        }
    }

    func targetPhrase(_ target: String?) -> String? {
        guard let alert else { return target }
        return target ?? "target #\(alert.targetID)"
    }

    /// One plain-text summary (Slack and the email's text part share it).
    public func plainLines(target: String?) -> [String] {
        var lines = ["\(headline)" + (alert.map { ": \($0.title)" } ?? "")]
        if let alert {
            lines.append("Severity: \(alert.severity.uppercased())")
            lines.append("Target: \(targetPhrase(target) ?? "")")
            lines.append("Host: \(alert.host)" + (alert.port.map { ", port \($0)" } ?? ""))
            lines.append("Alert: #\(alert.id) (\(alert.type), now \(alert.status))")
        }
        if let text { lines.append(text) }
        lines.append("When: \(createdAt)")
        lines.append("Event: \(eventID)")
        return lines
    }

    public var subject: String {
        let body = alert.map { "[\($0.severity.uppercased())] \($0.title)" } ?? headline
        return "Skannr: " + (type == "alert.resolved" ? "Resolved: " : "") + body
    }

    /// Slack's incoming-webhook body text; &, < and > escaped as Slack asks.
    public func slackText(target: String?) -> String {
        let lines = plainLines(target: target).map(Self.slackEscaped)
        return "*" + lines[0] + "*\n" + lines.dropFirst().joined(separator: "\n")
    }

    public func html(target: String?) -> String {
        let lines = plainLines(target: target).map(Self.htmlEscaped)
        let rows = lines.dropFirst().map { line -> String in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return "<tr><td colspan=\"2\">\(line)</td></tr>" }
            return "<tr><th align=\"left\" style=\"padding-right:12px\">\(parts[0])</th><td>\(parts[1].trimmingCharacters(in: .whitespaces))</td></tr>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html><body style="font-family:sans-serif">
            <h2>\(lines[0])</h2>
            <table>
            \(rows)
            </table>
            <p style="color:#666">Sent by Skannr. Manage notifications in your account's channel settings.</p>
            </body></html>
            """
    }

    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func htmlEscaped(_ text: String) -> String {
        slackEscaped(text).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
