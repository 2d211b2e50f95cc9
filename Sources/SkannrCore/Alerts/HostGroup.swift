// A snapshot seen per host IDENTITY (the domain name for domain targets, else the address): every
// address of a name merged, so round-robin DNS and CDNs do not look like hosts coming and going.
// A port is open for a name when it is open on any of its addresses.
import Foundation

struct HostGroup: Sendable, Equatable {
    let identity: String
    var addresses: [String] = []
    var up = false
    var acceptsAll: String?
    var partial = false
    /// port -> the address it was seen open on (the first in address order) and its facts.
    var ports: [UInt16: PortSighting] = [:]

    struct PortSighting: Sendable, Equatable {
        var address: String
        var facts: OpenPort
        /// Every address the port is open on.
        var addresses: [String]
    }

    var isNamed: Bool { addresses.count != 1 || addresses.first != identity }
}

extension ScanSnapshot {
    /// Hosts grouped by identity, addresses sorted.
    func groups() -> [String: HostGroup] {
        var groups: [String: HostGroup] = [:]
        for address in hostsScanned.union(openPorts.keys).sorted() {
            let identity = identity(of: address)
            var group = groups[identity] ?? HostGroup(identity: identity)
            group.addresses.append(address)
            group.up = group.up || hostsUp.contains(address)
            group.partial = group.partial || partial.contains(address)
            if group.acceptsAll == nil { group.acceptsAll = acceptsAll[address] }
            for open in openPorts[address] ?? [] {
                if var seen = group.ports[open.port] {
                    seen.addresses.append(address)
                    if seen.facts.tls == nil, open.tls != nil { seen.facts.tls = open.tls }
                    seen.facts.plain = seen.facts.plain && open.plain
                    group.ports[open.port] = seen
                } else {
                    group.ports[open.port] = HostGroup.PortSighting(address: address, facts: open, addresses: [address])
                }
            }
            groups[identity] = group
        }
        return groups
    }

    /// The inverse of `groups()`: a baseline snapshot from groups (coverage given separately).
    static func from(groups: [String: HostGroup], coveredPorts: PortList?) -> ScanSnapshot {
        var open: [String: [OpenPort]] = [:]
        var scanned: Set<String> = []
        var up: Set<String> = []
        var names: [String: String] = [:]
        var acceptsAll: [String: String] = [:]
        for group in groups.values {
            var addresses = Set(group.addresses)
            for sighting in group.ports.values {
                open[sighting.address, default: []].append(sighting.facts)
                addresses.insert(sighting.address)
            }
            scanned.formUnion(addresses)
            if group.up { up.formUnion(addresses) }
            for address in addresses where address != group.identity { names[address] = group.identity }
            if let reason = group.acceptsAll, let first = addresses.sorted().first { acceptsAll[first] = reason }
        }
        for key in open.keys { open[key]?.sort { $0.port < $1.port } }
        var snapshot = ScanSnapshot(openPorts: open, hostsScanned: scanned, hostnames: names,
                                    coveredPorts: coveredPorts, acceptsAll: acceptsAll)
        // Down hosts keep the ports they had open (the baseline remembers them), but are not up.
        snapshot.hostsUp = up
        return snapshot
    }
}
