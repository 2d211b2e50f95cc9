// The contract's Channel and Delivery objects with nulls written out. A webhook channel's `secret`
// appears only in the create answer (ChannelView(secret:)), never again.
import Foundation
import SkannrCore
import SkannrStore

struct ChannelView: Encodable {
    let record: ChannelRecord
    var secret: String? = nil

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(record.id, forKey: "id")
        try c.encode(record.type.rawValue, forKey: "type")
        try c.encode(record.url, forKey: "url")
        try c.encode(record.email, forKey: "email")
        try c.encode(record.minSeverity.rawValue, forKey: "min_severity")
        try c.encode(NotificationEvent.subscribable.filter(record.events.contains).map(\.rawValue), forKey: "events")
        try c.encode(record.enabled, forKey: "enabled")
        try c.encode(record.createdAt, forKey: "created_at")
        try c.encode(record.lastDeliveryAt, forKey: "last_delivery_at")
        try c.encode(record.lastStatus, forKey: "last_status")
        if let secret { try c.encode(secret, forKey: "secret") }
    }
}

struct DeliveryView: Encodable {
    let record: DeliveryRecord

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(record.id, forKey: "id")
        try c.encode(record.channelID, forKey: "channel_id")
        try c.encode(record.eventID, forKey: "event_id")
        try c.encode(record.event, forKey: "event")
        try c.encode(record.status.rawValue, forKey: "status")
        try c.encode(record.attempts, forKey: "attempts")
        try c.encode(record.lastStatusCode, forKey: "last_status_code")
        try c.encode(record.lastError, forKey: "last_error")
        try c.encode(record.nextAttemptAt, forKey: "next_attempt_at")
        try c.encode(record.createdAt, forKey: "created_at")
        try c.encode(record.deliveredAt, forKey: "delivered_at")
    }
}
