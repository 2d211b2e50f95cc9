// The names of notification events and channel types, and the rules that are pure values: which
// channels an event goes to and how subscriptions are stored (channel limits are PlanLimits').
// Shared by the API, the outbox (scan-runner and API transactions) and skannr-notifier.
import SkannrCrypto

public enum NotificationEvent: String, CaseIterable, Sendable, Codable {
    case alertOpened = "alert.opened"
    case alertResolved = "alert.resolved"
    case scanFailed = "scan.failed"
    /// Sent by POST /notifications/channels/:id/test only; never subscribable.
    case test

    /// The events a channel may subscribe to.
    public static let subscribable: [NotificationEvent] = [.alertOpened, .alertResolved, .scanFailed]

    /// A new event id: `evt_` + 24 random hex digits. One per event, kept on every attempt and channel.
    public static func newID(random: RandomSource = .secure) -> String { "evt_" + Hex.encode(random.bytes(12)) }
}

public enum ChannelType: String, CaseIterable, Sendable, Codable {
    case webhook, slack, email
}

public enum ChannelRules {
    /// Does a channel with this threshold and subscription want the event? Events without a
    /// severity (scan.failed) pass any threshold.
    public static func wants(event: NotificationEvent, severity: Severity?, minSeverity: Severity,
                             subscribed: Set<NotificationEvent>) -> Bool {
        guard subscribed.contains(event) else { return false }
        guard let severity else { return true }
        return severity >= minSeverity
    }

    /// "alert.opened,scan.failed" <-> set, in the contract's order; unknown names are dropped.
    public static func encodeEvents(_ events: Set<NotificationEvent>) -> String {
        NotificationEvent.subscribable.filter(events.contains).map(\.rawValue).joined(separator: ",")
    }

    public static func decodeEvents(_ text: String) -> Set<NotificationEvent> {
        Set(text.split(separator: ",").compactMap { NotificationEvent(rawValue: String($0)) })
    }
}
