// The contract's Channel and Delivery objects with nulls written out. A webhook channel's `secret`
// appears only in the create answer (ChannelView(secret:)), never again.
import Foundation
import SkannrCore
import SkannrStore

struct ChannelView: JSONObject {
    let record: ChannelRecord
    var secret: String? = nil

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("id", record.id)
        try out.member("type", record.type.rawValue)
        try out.member("url", record.url)
        try out.member("email", record.email)
        try out.member("min_severity", record.minSeverity.rawValue)
        try out.member("events", encoding: NotificationEvent.subscribable.filter(record.events.contains).map(\.rawValue))
        try out.member("enabled", record.enabled)
        try out.member("created_at", record.createdAt)
        try out.member("last_delivery_at", record.lastDeliveryAt)
        try out.member("last_status", record.lastStatus)
        if let secret { try out.member("secret", secret) }
    }
}

struct DeliveryView: JSONObject {
    let record: DeliveryRecord

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("id", record.id)
        try out.member("channel_id", record.channelID)
        try out.member("event_id", record.eventID)
        try out.member("event", record.event)
        try out.member("status", record.status.rawValue)
        try out.member("attempts", record.attempts)
        try out.member("last_status_code", record.lastStatusCode)
        try out.member("last_error", record.lastError)
        try out.member("next_attempt_at", record.nextAttemptAt)
        try out.member("created_at", record.createdAt)
        try out.member("delivered_at", record.deliveredAt)
    }
}
