// Turns a scan's address into the hosts to sweep, at scan time: an IP is itself, a domain resolves
// to its A and AAAA addresses (each a host, the name kept as hostname), a CIDR range is walked LAZILY.
// Every address is re-checked with AddressPolicy: a name resolving to 10.0.0.1 is not scanned unless
// private targets are allowed — this is what keeps the scanner off internal networks.
// Refused addresses are never named in anything a user reads (issue 16, #13: the scanner must not
// become a lookup tool for internal DNS names): "resolved to a non-public address" only.
import Foundation
import ScanEngine
import SkannrCore
import Synchronization

/// Counts CIDR addresses the policy skipped; shared with the sweep's worker threads.
final class SkipCounter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

struct HostPlan {
    enum Hosts {
        /// IP and domain targets: a short list.
        case list([ScanHost])
        /// CIDR targets: a lazy walk of `count` addresses from the `offset`-th (before the policy filter).
        case range(CIDRBlock, count: Int, offset: Int = 0)
    }

    let hosts: Hosts
    /// The domain for domain targets (hostname of each host, SNI of TLS probes).
    let hostname: String?
    /// Addresses of an IP/domain target that the policy refused: not scanned, never shown.
    let refused: [String]
    let skipped = SkipCounter()
    let scope: ScanScope
    /// "<name> resolved to N addresses; M kept (cap)" when SKANNR_SCANNER_MAX_ADDRESSES_PER_NAME cut the list.
    var addressLimitHit: String? = nil

    /// Expected host count for progress (of the whole scan, before any `slice`).
    var expectedHosts: Int {
        switch hosts {
        case .list(let list): list.count
        case .range(_, let count, _): count
        }
    }

    /// The host count units are split on: 0 for a domain (one slot: every address it resolves to).
    var unitHosts: Int { hostname == nil ? expectedHosts : 0 }

    /// The hosts [offset, offset + count) of the plan (count 0: all), with a skip counter of their own.
    func slice(offset: Int, count: Int) -> HostPlan {
        guard count > 0 else { return HostPlan(hosts: hosts, hostname: hostname, refused: refused, scope: scope) }
        let sliced: Hosts = switch hosts {
        case .list(let list): .list(Array(list.dropFirst(offset).prefix(count)))
        case .range(let block, let total, let base): .range(block, count: max(0, min(count, total - offset)), offset: base + offset)
        }
        return HostPlan(hosts: sliced, hostname: hostname, refused: refused, scope: scope)
    }

    /// The lazily filtered sequence handed to the sweep.
    func sequence() -> AnySequence<ScanHost> {
        switch hosts {
        case .list(let list):
            return AnySequence(list)
        case .range(let block, let count, let offset):
            let scope = self.scope
            let skipped = self.skipped
            return AnySequence(block.hosts.lazy.dropFirst(offset).prefix(count).compactMap { address -> ScanHost? in
                let text = address.description
                guard scope.permits(text) else {
                    skipped.increment()
                    return nil
                }
                return ScanHost(address: text)
            })
        }
    }

    /// Resolves (blocking for domains). Throws notAllowed when no address may be scanned.
    static func make(addressType: String, address: String, scope: ScanScope, maxAddresses: Int = .max,
                     resolve: (String) throws -> [String] = { try Resolver.resolve($0) }) throws -> HostPlan {
        switch addressType {
        case "cidr":
            guard let block = try? CIDRBlock.parse(address) else {
                throw RunnerError(.invalidScan, "\(address) is not a CIDR range")
            }
            let count = Int(clamping: block.addressCount)
            return HostPlan(hosts: .range(block, count: count), hostname: nil, refused: [], scope: scope)
        case "domain":
            let addresses: [String]
            do { addresses = try resolve(address) } catch let failure as Resolver.Failure where failure.isTemporary {
                throw RunnerError(.resolveUnavailable, "\(address) could not be resolved for now (\(failure))")
            } catch {
                throw RunnerError(.resolveFailed, "\(address) could not be resolved (\(error))")
            }
            // The Resolver sorts, so a rotating name keeps the same subset under the cap.
            let kept = Array(addresses.prefix(max(1, maxAddresses)))
            var plan = try fromAddresses(kept, hostname: address, scope: scope)
            if kept.count < addresses.count {
                plan.addressLimitHit = "\(address) resolved to \(addresses.count) addresses; \(kept.count) kept (cap)"
            }
            return plan
        case "ip":
            return try fromAddresses([address], hostname: nil, scope: scope)
        default:
            throw RunnerError(.invalidScan, "unknown address type \(addressType)")
        }
    }

    private static func fromAddresses(_ addresses: [String], hostname: String?, scope: ScanScope) throws -> HostPlan {
        var allowed: [ScanHost] = []
        var refused: [String] = []
        for text in addresses {
            if scope.permits(text), let host = ScanHost(address: text) {
                allowed.append(host)
            } else {
                refused.append(text)
            }
        }
        guard !allowed.isEmpty else {
            let what = hostname.map { "\($0) resolved only to non-public addresses" } ?? "the target's address is not public"
            throw RunnerError(.notAllowed,
                "\(what): it may not be scanned (private, loopback, reserved or outside the runner's allowed networks)")
        }
        return HostPlan(hosts: .list(allowed), hostname: hostname, refused: refused, scope: scope)
    }
}

extension HostPlan {
    /// True when every host is a loopback address: our own machine, no politeness needed.
    var isLoopbackOnly: Bool {
        switch hosts {
        case .list(let list):
            return list.allSatisfy { (try? IPAddress.parse($0.address))?.restriction() == .loopback }
        case .range(let block, _, _):
            let minimumPrefix = block.isIPv6 ? 128 : 8
            return block.network.restriction() == .loopback && block.prefixLength >= minimumPrefix
        }
    }
}
