// The TLS phase of a scan: every open port probed by ScanEngine's pool (SKANNR_SCANNER_TLS_CONCURRENCY at
// once, at most SKANNR_SCANNER_TLS_MAX_PROBES per scan), the lease kept alive and stop/cancel noticed
// while it runs. Trap: a failed or capped probe is "unknown", never "no TLS": the diff must keep the
// port's last known certificate for those (`ScanOutcome.tlsUnknown`).
import ScanEngine
import SkannrCore
import SkannrStore

struct TLSPhase {
    var facts: [HostPort: TLSFacts] = [:]
    /// Probes that failed or were not made (cap): TLS state unknown this scan.
    var unknown: Set<HostPort> = []
    /// Open ports the cap left unprobed.
    var cut = 0
    /// Probes made (counted against the scan's cap across its units).
    var probed = 0
    /// The phase was stopped early (lease lost, cancel or SIGTERM): the caller decides what that means.
    var interrupted = false

    /// `budget`: probes the scan may still make (SKANNR_SCANNER_TLS_MAX_PROBES less its earlier units').
    static func run(_ hosts: [HostOutcome], serverName: String?, budget: Int, configuration: RunnerConfiguration,
                    keeper: LeaseKeeper, stop: StopSignal) -> TLSPhase {
        let targets = hosts.flatMap { host in
            host.openPorts.map { TLSProbe.Target(host: host.host, port: $0, serverName: serverName) }
        }
        var phase = TLSPhase()
        guard !targets.isEmpty else { return phase }
        let options = TLSProbe.BatchOptions(timeout: configuration.tlsTimeout, concurrency: configuration.tlsConcurrency,
                                            maxProbes: max(0, budget), progressInterval: .milliseconds(500))
        let result = TLSProbe.probeAll(targets, options: options) { _ in
            keeper.tick()   // a heartbeat when one is due: a long TLS phase keeps its lease
            return !(keeper.mustStop || stop.isRequested)
        }
        for (target, outcome) in zip(targets, result.outcomes) {
            let key = HostPort(host: target.host, port: target.port)
            switch outcome {
            case .tls(let facts)?: phase.facts[key] = facts
            case .failed?, nil: phase.unknown.insert(key)
            case .notTLS?: break
            }
        }
        phase.cut = result.cutByCap
        phase.probed = targets.count - result.cutByCap
        phase.interrupted = result.cancelled
        return phase
    }
}
