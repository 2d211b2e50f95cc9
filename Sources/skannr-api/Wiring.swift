// Builds the application of one worker from its configuration: the one place that knows which
// implementation stands behind each hook.

import SkannrSettings
import Foundation
import Logging
import MariaDB
import Observability
import SkannrAPI

enum Wiring {
    static func application(configuration: APIConfiguration, logger: Logger) throws -> Application {
        guard configuration.auth.mfaBox != nil else {
            throw SettingsError(key: "SKANNR_MFA_KEY", "(or SKANNR_MFA_KEY_FILE) is required: base64 of 32 random bytes")
        }
        let services = Services(configuration: configuration, logger: logger)
        services.metrics = MetricsRecorder(directory: configuration.metricsDirectory, role: "api")
        if configuration.metricsDirectory != nil && services.metrics?.directory == nil {
            logger.warning("metrics directory unusable; this worker's metrics stay private", metadata: ["event": "metrics_private"])
        }
        return Application(router: RouteTable.makeRouter(), services: services, authenticator: TokenAuthenticator(signer: configuration.jwt), rateLimiter: DatabaseRateLimiter(sharedCounters: try configuration.rateLimitFile.map { try SharedWindowCounters(path: $0) }))
    }

    static func migrate(configuration: APIConfiguration, directory: String) throws -> [String] {
        let connection = try Connection(config: configuration.database)
        return try Migrator(connection: connection, directory: URL(fileURLWithPath: directory)).migrate()
    }
}
