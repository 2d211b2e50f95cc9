// The scan lifecycle's database side, for the scan-runner (which imports no MariaDB and holds no
// SQL): claim, lease fence and heartbeat, release/fail, baseline, write-back, scheduling. One value
// per thread over one connection (Connection is not Sendable). The operations live in ScanClaim,
// ScanLease, ScanWriteBack, ScanEnqueue and ScanSnapshotStore; this is the handle that carries them.
import Foundation
import MariaDB

public struct ScanLifecycleStore {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// A new connection (one per thread).
    public init(config: DatabaseConfig) throws {
        connection = try Connection(config: config)
    }

    /// The retention job on this connection (the scheduler leader's short passes).
    public var retention: RetentionStore { RetentionStore(connection: connection) }
}
