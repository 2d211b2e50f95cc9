// The contract's Channel and Delivery objects with nulls written out. A webhook channel's `secret`
// appears only in the create answer (ChannelView(secret:)), never again.
import Foundation
import SkannrCore
import SkannrStore

struct ChannelView: Encodable {
    let record: ChannelRecord
    var secret: String? = nil

    enum Key: String, CodingKey {
        case id, type, url, email, events, enabled, secret
        case minSeverity = "min_severity", createdAt = "created_at", lastDeliveryAt = "last_delivery_at", lastStatus = "last_status"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.type.rawValue, forKey: .type)
        try c.encode(record.url, forKey: .url)
        try c.encode(record.email, forKey: .email)
        try c.encode(record.minSeverity.rawValue, forKey: .minSeverity)
        try c.encode(NotificationEvent.subscribable.filter(record.events.contains).map(\.rawValue), forKey: .events)
        try c.encode(record.enabled, forKey: .enabled)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.lastDeliveryAt, forKey: .lastDeliveryAt)
        try c.encode(record.lastStatus, forKey: .lastStatus)
        if let secret { try c.encode(secret, forKey: .secret) }
    }
}

struct DeliveryView: Encodable {
    let record: DeliveryRecord

    enum Key: String, CodingKey {
        case id, event, status, attempts
        case channelID = "channel_id", eventID = "event_id", lastStatusCode = "last_status_code", lastError = "last_error"
        case nextAttemptAt = "next_attempt_at", createdAt = "created_at", deliveredAt = "delivered_at"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.channelID, forKey: .channelID)
        try c.encode(record.eventID, forKey: .eventID)
        try c.encode(record.event, forKey: .event)
        try c.encode(record.status.rawValue, forKey: .status)
        try c.encode(record.attempts, forKey: .attempts)
        try c.encode(record.lastStatusCode, forKey: .lastStatusCode)
        try c.encode(record.lastError, forKey: .lastError)
        try c.encode(record.nextAttemptAt, forKey: .nextAttemptAt)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.deliveredAt, forKey: .deliveredAt)
    }
}
