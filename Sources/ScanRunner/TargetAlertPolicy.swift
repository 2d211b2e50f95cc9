// Loads a target's AlertPolicy for the write-back: its expected ports and the (host, port, type)
// whose latest alert is accepted. Trap: an expected_ports text that no longer parses counts as none.
import Foundation
import MariaDB
import SkannrCore

enum TargetAlertPolicy {
    static func load(targetID: Int64, _ db: Connection) throws -> AlertPolicy {
        let text = try db.queryOne("SELECT expected_ports FROM targets WHERE id = ?", [.int(targetID)])?.optionalString("expected_ports")
        var accepted: Set<AlertPolicy.Accepted> = []
        // The latest alert per (host, port) of the target, when it is accepted.
        for row in try db.query("""
            SELECT a.host, a.port, a.type FROM alerts a
            WHERE a.target_id = ? AND a.status = 'accepted' AND NOT EXISTS (
                SELECT 1 FROM alerts b WHERE b.target_id = a.target_id AND b.host = a.host
                  AND b.port <=> a.port AND b.id > a.id)
            """, [.int(targetID)]) {
            guard let type = AlertDraft.Kind(rawValue: try row.string("type")) else { continue }
            accepted.insert(.init(host: try row.string("host"), port: try row.optionalInt("port").map { UInt16(clamping: $0) }, type: type))
        }
        return AlertPolicy(expectedPorts: text.flatMap { try? PortList.parse($0) }, accepted: accepted)
    }
}
