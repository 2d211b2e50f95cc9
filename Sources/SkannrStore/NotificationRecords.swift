// Rows of notification_channels and notification_deliveries as the API and skannr-notifier see
// them. The webhook secret is read only by the worker (ChannelRecord.secret is nil in API reads).
import Foundation
import MariaDB
import SkannrCore

public struct ChannelRecord: Sendable, Equatable {
    public var id: Int64
    public var accountID: Int64
    public var type: ChannelType
    public var url: String?
    public var email: String?
    public var secret: String?
    public var minSeverity: Severity
    public var events: Set<NotificationEvent>
    public var enabled: Bool
    public var createdAt: Date
    public var lastDeliveryAt: Date?
    public var lastStatus: String?

    static let columns = """
        id, user_id, type, url, email, min_severity, events, enabled, created_at, last_delivery_at, last_status
        """

    init(row: Row, secret: String? = nil) throws {
        id = try row.int("id")
        accountID = try row.int("user_id")
        let typeText = try row.string("type"), severityText = try row.string("min_severity")
        guard let type = ChannelType(rawValue: typeText), let severity = Severity(rawValue: severityText) else {
            throw MariaDBError.client("unknown channel enum value \(typeText)/\(severityText)")
        }
        self.type = type
        minSeverity = severity
        url = try row.optionalString("url")
        email = try row.optionalString("email")
        self.secret = secret
        events = ChannelRules.decodeEvents(try row.string("events"))
        enabled = try row.bool("enabled")
        createdAt = try row.date("created_at")
        lastDeliveryAt = try row.optionalDate("last_delivery_at")
        lastStatus = try row.optionalString("last_status")
    }
}

/// POST /notifications/channels, validated.
public struct NewChannel: Sendable, Equatable {
    public var type: ChannelType
    public var url: String?
    public var email: String?
    public var minSeverity: Severity
    public var events: Set<NotificationEvent>

    public init(type: ChannelType, url: String?, email: String?, minSeverity: Severity, events: Set<NotificationEvent>) {
        self.type = type; self.url = url; self.email = email; self.minSeverity = minSeverity; self.events = events
    }
}

/// PATCH /notifications/channels/:id; nil leaves a field as it is.
public struct ChannelPatch: Sendable, Equatable {
    public var minSeverity: Severity?
    public var events: Set<NotificationEvent>?
    public var enabled: Bool?

    public init(minSeverity: Severity? = nil, events: Set<NotificationEvent>? = nil, enabled: Bool? = nil) {
        self.minSeverity = minSeverity; self.events = events; self.enabled = enabled
    }
}

public enum DeliveryStatus: String, CaseIterable, Sendable {
    case pending, delivered, failed
}

public struct DeliveryRecord: Sendable, Equatable {
    public var id: Int64
    public var channelID: Int64
    public var eventID: String
    public var event: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastError: String?
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var deliveredAt: Date?

    static let columns = """
        id, channel_id, event_id, event, status, attempts, last_status_code, last_error, next_attempt_at, created_at, delivered_at
        """

    init(row: Row) throws {
        id = try row.int("id")
        channelID = try row.int("channel_id")
        eventID = try row.string("event_id")
        event = try row.string("event")
        let statusText = try row.string("status")
        guard let status = DeliveryStatus(rawValue: statusText) else { throw MariaDBError.client("unknown delivery status \(statusText)") }
        self.status = status
        attempts = Int(try row.int("attempts"))
        lastStatusCode = try row.optionalInt("last_status_code").map { Int($0) }
        lastError = try row.optionalString("last_error")
        nextAttemptAt = try row.optionalDate("next_attempt_at")
        createdAt = try row.date("created_at")
        deliveredAt = try row.optionalDate("delivered_at")
    }
}

public struct DeliveryFilter: Sendable, Equatable {
    public var channelID: Int64?
    public var status: DeliveryStatus?
    public init(channelID: Int64? = nil, status: DeliveryStatus? = nil) { self.channelID = channelID; self.status = status }
}
