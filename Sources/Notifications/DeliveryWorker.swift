// skannr-notifier's loop: N threads, each with its own database connection, HTTP client and SMTP
// handle, each claiming from the outbox (DeliveryQueue), sending a channel's run of deliveries in
// order and recording every outcome before the next send. The first failure of a run stops it (the
// rest is released, still in order, behind the failed head). A run is cut short before its lease
// could expire, so a slow receiver never lets two workers send to one channel at once.
// Crash safety comes from the database: an unrecorded send is re-sent after its lease expires
// (at least once, same event id); nothing is ever deleted.
import Foundation
import Logging
import Observability
import SkannrCore
import SkannrStore

public final class DeliveryWorker: @unchecked Sendable {
    let configuration: NotifierConfiguration
    let database: DatabaseConfig
    let logger: Logger
    let metrics: MetricsRecorder?
    let shouldStop: @Sendable () -> Bool

    public init(configuration: NotifierConfiguration, database: DatabaseConfig, logger: Logger, metrics: MetricsRecorder?,
                shouldStop: @escaping @Sendable () -> Bool) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.metrics = metrics
        self.shouldStop = shouldStop
    }

    /// Runs every thread until `shouldStop`; returns when all have finished their current send.
    public func run() {
        let group = DispatchGroup()
        for index in 0..<configuration.threads {
            group.enter()
            let thread = Thread { [self] in
                loop(index: index)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }

    func loop(index: Int) {
        var lane: Lane?
        var idle = configuration.pollMinimum
        while !shouldStop() {
            do {
                if lane == nil { lane = try Lane(worker: self, index: index) }
                let sent = try lane!.pass()
                idle = sent > 0 ? configuration.pollMinimum : min(idle * 2, configuration.pollMaximum)
                if sent > 0 { continue }
            } catch {
                logger.warning("delivery pass failed", metadata: ["event": "notify_pass_failed", "error": "\(Self.describe(error))"])
                lane = nil
                idle = configuration.pollMaximum
            }
            sleep(idle)
        }
    }

    func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !shouldStop(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }

    static func describe(_ error: Error) -> String {
        DatabaseFailure.logDescription(of: error) ?? String(describing: type(of: error))
    }

    /// One thread's connection, queue and sender.
    final class Lane {
        let worker: DeliveryWorker
        let queue: DeliveryQueue
        let sender: DeliverySender

        init(worker: DeliveryWorker, index: Int) throws {
            self.worker = worker
            let configuration = worker.configuration
            let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let owner = String("\(configuration.workerID)#\(index)".prefix(100 - token.count - 1)) + "/" + token
            queue = try DeliveryQueue(config: worker.database, owner: owner,
                                  leaseSeconds: configuration.leaseSeconds, channelsPerClaim: configuration.channelsPerClaim,
                                  perChannel: configuration.perChannel)
            sender = try DeliverySender(configuration: configuration)
        }

        /// One claim and its sends; the number of deliveries attempted.
        func pass() throws -> Int {
            let groups = try queue.claim()
            let claimedAt = ContinuousClock.now
            let budget = Duration.seconds(worker.configuration.leaseSeconds) - worker.configuration.timeout - .seconds(5)
            var attempted = 0
            for run in groups {
                var outcome: RunOutcome?
                // One transaction per run: one commit (one log flush) for up to perChannel outcomes. A
                // crash before the commit only means those sends are repeated, under the same event ids.
                // Never retried on deadlock: that would send again.
                try queue.inTransaction {
                    for (position, delivery) in run.enumerated() {
                        if worker.shouldStop() || ContinuousClock.now - claimedAt > budget {
                            try queue.release(Array(run[position...]))
                            break
                        }
                        attempted += 1
                        let result = try attempt(delivery)
                        outcome = RunOutcome(channel: delivery.channel, delivered: result)
                        if !result {
                            try queue.release(Array(run[(position + 1)...]))
                            break
                        }
                    }
                }
                if let outcome, try queue.channelOutcome(channelID: outcome.channel.id, delivered: outcome.delivered,
                                                         disableAfterSeconds: worker.configuration.disableAfterSeconds) {
                    channelDisabled(outcome.channel)
                }
            }
            return attempted
        }

        struct RunOutcome { let channel: ChannelRecord; let delivered: Bool }

        /// Sends and records one delivery; false when it failed (the run stops there).
        func attempt(_ delivery: ClaimedDelivery) throws -> Bool {
            let target = try targetName(delivery)
            let result = sender.send(delivery, target: target)
            let kind = delivery.channel.type.rawValue
            switch result {
            case .delivered(let statusCode):
                try queue.delivered(delivery, statusCode: statusCode)
                worker.metrics?.increment(MetricNames.notifyDeliveries, labels: [("outcome", "sent"), ("channel", kind)])
                if let created = createdAt(delivery) {
                    worker.metrics?.observe(MetricNames.notifyDelay, labels: [("channel", kind)], seconds: max(0, Date().timeIntervalSince(created)))
                }
                return true
            case .failed(let statusCode, let error):
                let outcome = try queue.failed(delivery, statusCode: statusCode, error: error, schedule: worker.configuration.schedule)
                let label = outcome == .failed ? "failed" : "retried"
                worker.metrics?.increment(MetricNames.notifyDeliveries, labels: [("outcome", label), ("channel", kind)])
                worker.logger.info("delivery attempt failed", metadata: [
                    "event": "notify_attempt_failed", "delivery": "\(delivery.id)", "channel": "\(delivery.channel.id)",
                    "attempt": "\(delivery.attempts + 1)", "outcome": "\(outcome)", "error": "\(error)",
                ])
                return false
            }
        }

        func targetName(_ delivery: ClaimedDelivery) throws -> String? {
            guard delivery.channel.type != .webhook, let message = try? EventMessage(payload: delivery.payload),
                  let alert = message.alert else { return nil }
            return try queue.targetName(accountID: delivery.channel.accountID, targetID: alert.targetID)
        }

        let dates = ISO8601DateFormatter()

        func createdAt(_ delivery: ClaimedDelivery) -> Date? {
            guard delivery.attempts == 0, let message = try? EventMessage(payload: delivery.payload) else { return nil }
            return dates.date(from: message.createdAt)
        }

        func channelDisabled(_ channel: ChannelRecord) {
            let owner = try? queue.ownerEmail(accountID: channel.accountID)
            let told = owner.flatMap { $0 }.map { sender.tellOwner(email: $0, channel: channel) } ?? false
            worker.logger.warning("channel disabled after failing for too long", metadata: [
                "event": "notify_channel_disabled", "channel": "\(channel.id)", "account": "\(channel.accountID)", "owner_told": "\(told)",
            ])
        }
    }
}
