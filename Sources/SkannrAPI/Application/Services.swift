// Per-worker services: configuration, clock, logger and the worker's one database connection
// (SkannrStore's `Stores`), opened lazily so that a worker starts (and answers 503) while the database is down.

import Foundation
import Logging
import Observability
import SkannrStore

public final class Services {
    public let configuration: APIConfiguration
    public let clock: @Sendable () -> Date
    public let logger: Logger
    /// The worker's metrics slot (set by the executable's wiring; nil records nothing).
    public var metrics: MetricsRecorder?
    private var openStores: Stores?

    public init(configuration: APIConfiguration, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
    }

    /// The stores of the worker's connection: what handlers and use cases use. A failure to
    /// connect is a 503, never a crash.
    public func stores() throws(APIError) -> Stores {
        if let openStores { return openStores }
        do {
            let opened = try Stores(config: configuration.database)
            openStores = opened
            return opened
        } catch {
            logger.warning("database connect failed", metadata: ["error": "\(DatabaseFailure.logDescription(of: error) ?? "\(type(of: error))")"])
            throw APIError.databaseUnavailable
        }
    }
}
