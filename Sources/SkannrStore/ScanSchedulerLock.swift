// Leadership of the scheduler (issue 20): a MariaDB named lock (GET_LOCK) held by one connection of
// one runner process; it is released when that connection closes, so a runner that dies hands it
// over at once. Traps: named locks are server-wide, so the name includes the database (test
// databases share a server); a connection that reconnected has lost the lock without an error, so
// the leader checks `holdsLeadership` before every pass.
import MariaDB

extension ScanLifecycleStore {
    /// Takes the lock `name` (+ the database's name) without waiting; true when this connection holds it.
    public func takeLeadership(_ name: String) throws -> Bool {
        try connection.queryOne("SELECT GET_LOCK(CONCAT(?, '.', DATABASE()), 0) AS got", [.text(name)])?.optionalInt("got") == 1
    }

    /// Whether this very connection still holds the lock.
    public func holdsLeadership(_ name: String) throws -> Bool {
        try connection.queryOne("""
            SELECT IS_USED_LOCK(CONCAT(?, '.', DATABASE())) = CONNECTION_ID() AS mine
            """, [.text(name)])?.optionalInt("mine") == 1
    }

    /// Gives the lock up (a graceful stop); closing the connection does the same.
    public func releaseLeadership(_ name: String) {
        _ = try? connection.queryOne("SELECT RELEASE_LOCK(CONCAT(?, '.', DATABASE())) AS released", [.text(name)])
    }
}
