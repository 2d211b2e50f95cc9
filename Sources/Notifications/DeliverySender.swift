// Sends one claimed delivery to its channel and says what happened; writes nothing to the database.
// Webhook: the stored body as is, signed (Skannr-Signature) with the channel's secret and stamped
// with Skannr-Event-Id; Slack: {"text": ...}; email: one message through the SMTP relay. HTTP goes
// through HTTPClient with the guard's pin, a 10 s timeout, no redirects, TLS verified and the
// response body capped; any 2xx is delivered, anything else (or no answer) a failed attempt.
import Foundation
import HTTPClient
import SkannrCore
import SkannrStore

public enum SendResult: Sendable, Equatable {
    case delivered(statusCode: Int?)
    case failed(statusCode: Int?, error: String)
}

public final class DeliverySender {
    let configuration: NotifierConfiguration
    let guardrail: DestinationGuard
    let http: HTTPClient
    let smtp: SMTPClient?
    let clock: () -> Date

    public init(configuration: NotifierConfiguration, guardrail: DestinationGuard? = nil, clock: @escaping () -> Date = { Date() }) throws {
        self.configuration = configuration
        self.guardrail = guardrail ?? DestinationGuard(scope: configuration.scope)
        http = try HTTPClient(caFile: configuration.caFile, verifyPeer: true, timeout: configuration.timeout,
                              followRedirects: false, maxResponseBytes: configuration.maxResponseBytes)
        smtp = try configuration.smtp.map {
            try SMTPClient(url: $0.url, username: $0.username, password: $0.password, caFile: $0.caFile, timeout: configuration.timeout)
        }
        self.clock = clock
    }

    /// `target` is the target's name for people (nil when unknown).
    public func send(_ delivery: ClaimedDelivery, target: String?) -> SendResult {
        switch delivery.channel.type {
        case .webhook: return sendWebhook(delivery)
        case .slack: return sendSlack(delivery, target: target)
        case .email: return sendEmail(delivery, target: target)
        }
    }

    func sendWebhook(_ delivery: ClaimedDelivery) -> SendResult {
        guard let secret = delivery.channel.secret else { return .failed(statusCode: nil, error: "the channel has no signing secret") }
        let body = Array(delivery.payload.utf8)
        let timestamp = Int64(clock().timeIntervalSince1970)
        return post(delivery, body: body, extraHeaders: [
            (WebhookSignature.header, WebhookSignature.sign(secret: secret, timestamp: timestamp, body: body)),
        ])
    }

    func sendSlack(_ delivery: ClaimedDelivery, target: String?) -> SendResult {
        do {
            let message = try EventMessage(payload: delivery.payload)
            let body = try JSONSerialization.data(withJSONObject: ["text": message.slackText(target: target)], options: [.withoutEscapingSlashes])
            return post(delivery, body: Array(body), extraHeaders: [])
        } catch {
            return .failed(statusCode: nil, error: "cannot render the event: \(error)")
        }
    }

    func post(_ delivery: ClaimedDelivery, body: [UInt8], extraHeaders: [(String, String)]) -> SendResult {
        guard let url = delivery.channel.url else { return .failed(statusCode: nil, error: "the channel has no URL") }
        let checked: (url: DestinationURL, pins: [String])
        do { checked = try guardrail.check(url) } catch { return .failed(statusCode: nil, error: "destination refused: \(error.message)") }
        var request = HTTPRequest(method: "POST", url: checked.url.text, headers: [
            ("Content-Type", "application/json"), ("User-Agent", "Skannr-Notifier/1"),
            (WebhookSignature.eventIDHeader, delivery.eventID),
        ] + extraHeaders, body: body)
        request.pinnedAddresses = checked.pins
        do {
            let response = try http.send(request)
            if (200...299).contains(response.status) { return .delivered(statusCode: response.status) }
            return .failed(statusCode: response.status, error: "HTTP \(response.status)")
        } catch {
            return .failed(statusCode: nil, error: error.isTimeout ? "timed out" : error.message)
        }
    }

    func sendEmail(_ delivery: ClaimedDelivery, target: String?) -> SendResult {
        guard let smtp, let settings = configuration.smtp else { return .failed(statusCode: nil, error: "no SMTP relay is configured") }
        guard let recipient = delivery.channel.email else { return .failed(statusCode: nil, error: "the channel has no email address") }
        do {
            let message = try EventMessage(payload: delivery.payload)
            let mail = MailMessage.compose(from: settings.from, to: recipient, subject: message.subject,
                                           plain: message.plainLines(target: target).joined(separator: "\n") + "\n",
                                           html: message.html(target: target), messageID: "\(delivery.eventID).\(delivery.id)", date: clock())
            try smtp.send(from: settings.from, to: [recipient], message: mail)
            return .delivered(statusCode: nil)
        } catch let error as HTTPClientError {
            return .failed(statusCode: nil, error: "SMTP: \(error.message)")
        } catch {
            return .failed(statusCode: nil, error: "cannot render the event: \(error)")
        }
    }

    /// The owner's notice that a channel was disabled after failing for days (best effort).
    public func tellOwner(email: String, channel: ChannelRecord) -> Bool {
        guard let smtp, let settings = configuration.smtp else { return false }
        let what = channel.url.map { "\(channel.type.rawValue) channel \($0)" } ?? "\(channel.type.rawValue) channel \(channel.email ?? "")"
        let plain = "Your Skannr \(what) (#\(channel.id)) has failed every delivery for several days and was disabled.\n"
            + "Fix the receiver, then enable the channel again (PATCH /notifications/channels/\(channel.id) {\"enabled\": true}).\n"
        let html = "<p>" + EventMessage.htmlEscaped(plain).replacingOccurrences(of: "\n", with: "<br>") + "</p>"
        let mail = MailMessage.compose(from: settings.from, to: email, subject: "Skannr: notification channel #\(channel.id) disabled",
                                       plain: plain, html: html, messageID: "channel-\(channel.id)-disabled", date: clock())
        return (try? smtp.send(from: settings.from, to: [email], message: mail)) != nil
    }
}
