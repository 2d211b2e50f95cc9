// A scan row this runner holds a lease on: what to scan and the lease token that fences every write.
import Foundation
import MariaDB

public struct ClaimedScan: Sendable, Equatable {
    public let id: Int64
    public let userID: Int64
    public let targetID: Int64
    public let address: String
    public let addressType: String
    public let ports: String
    public let portsPerHost: Int
    public let hostsTotal: Int
    /// Claims so far, this one included.
    public let attempts: Int
    /// Unique per claim (scanner id + random token): the fence of every later write.
    public let leaseOwner: String

    static let columns = "id, user_id, target_id, address, address_type, ports, ports_per_host, hosts_total, attempts"

    init(row: Row, leaseOwner: String) throws {
        id = try row.int("id")
        userID = try row.int("user_id")
        targetID = try row.int("target_id")
        address = try row.string("address")
        addressType = try row.string("address_type")
        ports = try row.string("ports")
        portsPerHost = Int(try row.int("ports_per_host"))
        hostsTotal = Int(try row.int("hosts_total"))
        attempts = Int(try row.int("attempts"))
        self.leaseOwner = leaseOwner
    }
}
