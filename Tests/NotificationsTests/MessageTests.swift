// What people read: Slack text and email made from a stored payload, escaped for their medium,
// and the MIME message that goes to the SMTP relay.
import Foundation
import Testing
@testable import Notifications

@Suite("Notification messages")
struct NotificationMessageTests {
    static let payload = #"""
        {"created_at":"2026-12-02T07:00:00Z","data":{"alert":{"acknowledged_at":null,"created_at":"2026-12-02T07:00:00Z",
        "details":{},"host":"203.0.113.9","id":42,"port":3389,"resolved_at":null,"scan_id":7,"severity":"critical",
        "status":"open","target_id":3,"title":"New open port 3389 <rdp> & more","type":"new_port"}},"id":"evt_abc","type":"alert.opened"}
        """#

    @Test("Slack text names what changed, the target and severity, with <, > and & escaped")
    func slack() throws {
        let message = try EventMessage(payload: Self.payload)
        let text = message.slackText(target: "web (203.0.113.9)")
        #expect(text.hasPrefix("*Alert opened: New open port 3389 &lt;rdp&gt; &amp; more*\n"), "\(text)")
        #expect(text.contains("Severity: CRITICAL") && text.contains("Target: web (203.0.113.9)") && text.contains("Host: 203.0.113.9, port 3389"))
        #expect(!text.contains("<rdp>"))
        #expect(message.slackText(target: nil).contains("Target: target #3"))
    }

    @Test("the email has a subject with severity and title, and an HTML part with every value escaped")
    func email() throws {
        let message = try EventMessage(payload: Self.payload)
        #expect(message.subject == "Skannr: [CRITICAL] New open port 3389 <rdp> & more")
        let html = message.html(target: "<script>")
        #expect(html.contains("&lt;script&gt;") && !html.contains("<script>"))
        let raw = String(decoding: MailMessage.compose(from: "a@skannr.test", to: "b@example.com\r\nBcc: evil@example.com",
                                                       subject: message.subject, plain: "plain", html: html, messageID: "evt_abc.1"),
                         as: UTF8.self)
        #expect(raw.contains("To: <b@example.comBcc: evil@example.com>"))   // CR/LF stripped: no injected header line
        #expect(!raw.contains("\r\nBcc:"))
        #expect(raw.contains("Content-Type: multipart/alternative; boundary=\"skannr-evtabc1\""))
        #expect(raw.contains("Content-Type: text/plain; charset=utf-8") && raw.contains("Content-Type: text/html; charset=utf-8"))
        #expect(raw.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    }

    @Test("a non-ASCII subject is an RFC 2047 encoded word")
    func encodedSubject() {
        #expect(MailMessage.encodedSubject("Port offen – SSH") == "=?UTF-8?B?\(Data("Port offen – SSH".utf8).base64EncodedString())?=")
        #expect(MailMessage.encodedSubject("plain") == "plain")
    }
}
