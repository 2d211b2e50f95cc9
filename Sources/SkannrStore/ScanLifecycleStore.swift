// The scan lifecycle's database side, for the scan-runner (which imports no MariaDB and holds no
// SQL): claim, lease fence and heartbeat, release/fail, baseline, write-back, scheduling. One value
// per thread over one connection (Connection is not Sendable). The operations live in ScanClaim,
// ScanLease, ScanWriteBack, ScanEnqueue and ScanSnapshotStore; this is the handle that carries them.
import Foundation
import MariaDB

/// The database settings a process connects with (SKANNR_DB_*), named here so that a caller
/// of the store needs no MariaDB import.
public typealias DatabaseConfig = MariaDBConfig

public struct ScanLifecycleStore {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// A new connection (one per thread).
    public init(config: DatabaseConfig) throws {
        connection = try Connection(config: config)
    }
}
