// /notifications: channels (list, create with plan limits, update, delete, test send) and the
// delivery log (list, redeliver). Another account's channel or delivery is a plain 404. Nothing is
// sent from here: a test send and a redelivery are outbox rows that skannr-notifier delivers.
import SkannrCore
import SkannrStore
import HTTPMessage

enum NotificationsController {
    static func channels(_ context: AuthenticatedContext) throws -> APIResponse {
        let channels = try store(context).channels(accountID: context.accountID)
        return try .json(200, ListView(items: channels.map { ChannelView(record: $0) }, nextCursor: nil))
    }

    static func createChannel(_ context: AuthenticatedContext) throws -> APIResponse {
        var body = try context.body()
        let channel = try ChannelInput.create(&body, allowPrivate: context.services.configuration.allowPrivateTargets)
        let secret = channel.type == .webhook ? WebhookSignature.newSecret() : nil
        let created = try StoreErrors.run {
            try store(context).create(accountID: context.accountID, channel, secret: secret, now: context.now) { plan, existing in
                try context.services.configuration.plans.checkChannels(plan: plan, existing: existing)
            }
        }
        return try .json(201, ChannelView(record: created, secret: secret))
    }

    static func updateChannel(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Channel")
        var body = try context.body()
        let patch = try ChannelInput.patch(&body)
        guard let updated = try store(context).update(accountID: context.accountID, id: id, patch) else {
            throw APIError.notFound("Channel")
        }
        return try .json(200, ChannelView(record: updated))
    }

    static func deleteChannel(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Channel")
        guard try store(context).delete(accountID: context.accountID, id: id) else { throw APIError.notFound("Channel") }
        return .noContent()
    }

    static func testChannel(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Channel")
        guard try store(context).sendTest(accountID: context.accountID, channelID: id, now: context.now) else {
            throw APIError.notFound("Channel")
        }
        return try .json(202, JSONOutput.object(["channel_id": .int(id), "event": .string(NotificationEvent.test.rawValue)]))
    }

    static func deliveries(_ context: AuthenticatedContext) throws -> APIResponse {
        let query = context.request.query
        let list = try ListQuery.parse(query)
        let filter = DeliveryFilter(channelID: try ListQuery.positiveID(query, "channel_id"),
                                    status: try ListQuery.enumValue(query, "status", DeliveryStatus.self))
        let page = try store(context).deliveries(accountID: context.accountID, filter: filter, limit: list.limit, after: list.afterID())
        return try .json(200, ListView(items: page.items.map(DeliveryView.init), nextCursor: page.nextCursor))
    }

    static func redeliver(_ context: AuthenticatedContext) throws -> APIResponse {
        let id = try context.id(of: "Delivery")
        guard let delivery = try store(context).redeliver(accountID: context.accountID, id: id, now: context.now) else {
            throw APIError.notFound("Delivery")
        }
        return try .json(202, DeliveryView(record: delivery))
    }
    private static func store(_ context: AuthenticatedContext) throws(APIError) -> NotificationStore {
        try context.services.stores().notifications(billingGraceDays: context.services.configuration.stripe.graceDays)
    }
}
