// scan-bench: runs ScanEngine once for scripts/bench-scan and prints machine-readable lines.
// Usage: scan-bench sweep HOST PORTS [--timeout MS] [--workers N] [--inflight N]   (PORTS: "1-65535" or "22,80,8000-8100")
//        scan-bench tls HOST PORT... [--timeout MS]
import ScanEngine
import Glibc

func fail(_ message: String) -> Never {
    let line = "scan-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

func parsePorts(_ spec: String) -> [UInt16] {
    var ports: [UInt16] = []
    for part in spec.split(separator: ",") {
        let bounds = part.split(separator: "-").compactMap { UInt16($0) }
        if bounds.count == 1 { ports.append(bounds[0]) }
        else if bounds.count == 2, bounds[0] <= bounds[1] { ports.append(contentsOf: bounds[0]...bounds[1]) }
        else { fail("bad port spec \(part)") }
    }
    return ports
}

var args = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> Int? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let value = Int(args[i + 1]) else { return nil }
    args.removeSubrange(i...(i + 1))
    return value
}
let timeoutMs = option("--timeout")
let workers = option("--workers")
let inflight = option("--inflight")

guard args.count >= 3 else { fail("usage: scan-bench sweep HOST PORTS | tls HOST PORT...") }
switch args[0] {
case "sweep":
    guard let host = ScanHost(address: args[1]) else { fail("not a numeric address: \(args[1])") }
    var config = SweepConfig()
    if let timeoutMs { config.probeTimeout = .milliseconds(timeoutMs) }
    if let workers { config.workers = workers }
    if let inflight { config.maxInFlight = inflight }
    let result: SweepResult
    do {
        result = try Sweep(config: config).run(hosts: [host], ports: parsePorts(args[2]))
    } catch {
        fail("\(error)")
    }
    let (s, atto) = result.elapsed.components
    print("elapsed_ms \(Double(s) * 1000 + Double(atto) / 1e15)")
    print("probes \(result.probesSent) retries \(result.retriesSent)")
    for hostResult in result.hosts {
        print("host \(hostResult.host) \(hostResult.state.rawValue) open \(hostResult.openCount) closed \(hostResult.closedCount) filtered \(hostResult.filteredCount)")
        for port in hostResult.openPorts { print("port \(port) open") }
        for port in hostResult.filteredPorts { print("port \(port) filtered") }
    }
case "tls":
    let timeout = Duration.milliseconds(timeoutMs ?? 3000)
    let targets = args.dropFirst(2).map { TLSProbe.Target(host: args[1], port: UInt16($0) ?? 0, serverName: nil) }
    for (target, outcome) in zip(targets, TLSProbe.probeAll(targets, timeout: timeout)) {
        switch outcome {
        case .tls(let facts): print("tls \(target.port) \(facts.fingerprintSHA256) \(facts.version) \(facts.cipher)")
        case .notTLS(let reason): print("notls \(target.port) \(reason)")
        case .failed(let failure): print("failed \(target.port) \(failure)")
        }
    }
default:
    fail("unknown command \(args[0])")
}
