// Builds the application of one worker from its configuration: the one place that knows which
// implementation stands behind each hook.

import Foundation
import Logging
import MariaDB
import SkannrAPI

enum Wiring {
    static func application(configuration: APIConfiguration, logger: Logger) throws -> Application {
        let services = Services(configuration: configuration, logger: logger)
        return Application(router: Routes.makeRouter(), services: services, authenticator: TokenAuthenticator(signer: configuration.jwt), rateLimiter: nil)
    }

    static func migrate(configuration: APIConfiguration, directory: String) throws -> [String] {
        let connection = try Connection(config: configuration.database)
        return try Migrator(connection: connection, directory: URL(fileURLWithPath: directory)).migrate()
    }
}
