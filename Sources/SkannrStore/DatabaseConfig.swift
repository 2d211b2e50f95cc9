// The connector's configuration as the store's callers name it: a process builds it from the shared
// DatabaseSettings (SkannrSettings parses SKANNR_DB_* once) and never imports MariaDB for it.
import MariaDB
import SkannrSettings

/// The database settings a process connects with (SKANNR_DB_*).
public typealias DatabaseConfig = MariaDBConfig

extension DatabaseSettings {
    /// The connector's configuration (DatabaseSettings range-checks every number, so the conversions hold).
    public var config: DatabaseConfig {
        MariaDBConfig(host: host, port: UInt32(port), unixSocket: unixSocket, user: user, password: password, database: name,
                      connectTimeoutSeconds: UInt32(connectTimeoutSeconds), readTimeoutSeconds: UInt32(readTimeoutSeconds),
                      writeTimeoutSeconds: UInt32(writeTimeoutSeconds))
    }
}
