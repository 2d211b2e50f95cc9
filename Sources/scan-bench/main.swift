// scan-bench: runs ScanEngine once for scripts/bench-scan and prints machine-readable lines.
// Usage: scan-bench sweep HOSTS PORTS [--timeout MS] [--workers N] [--inflight N] [--cc automatic|always|off] [--json]
//          (HOSTS: "198.18.1.10" or "a,b,c"; PORTS: "1-65535" or "22,80,8000-8100"; --json prints one
//           object with every port's state instead of lines: open and filtered lists, closed count)
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
let congestion: CongestionControl? = {
    guard let i = args.firstIndex(of: "--cc"), i + 1 < args.count else { return nil }
    defer { args.removeSubrange(i...(i + 1)) }
    guard let mode = CongestionControl(rawValue: args[i + 1]) else { fail("--cc: automatic, always or off") }
    return mode
}()
let json = args.contains("--json")
args.removeAll { $0 == "--json" }

/// One line of JSON for scripts/bench-scan: what the engine concluded, port by port.
func printJSON(_ result: SweepResult, elapsedMs: Double) {
    let hosts = result.hosts.map { h in
        "{\"host\":\"\(h.host)\",\"state\":\"\(h.state.rawValue)\",\"open\":\(h.openPorts),\"filtered\":\(h.filteredPorts),\"closed_count\":\(h.closedCount),\"notes\":[\(h.notes.map { "\"\($0.code)\"" }.joined(separator: ","))]}"
    }
    print("{\"elapsed_ms\":\(elapsedMs),\"probes\":\(result.probesSent),\"retries\":\(result.retriesSent),\"cancelled\":\(result.cancelled),\"window_cuts\":\(result.windowCuts),\"hosts\":[\(hosts.joined(separator: ","))]}")
}

guard args.count >= 3 else { fail("usage: scan-bench sweep HOST PORTS | tls HOST PORT...") }
switch args[0] {
case "sweep":
    let hosts = args[1].split(separator: ",").map { address in
        guard let host = ScanHost(address: String(address)) else { fail("not a numeric address: \(address)") }
        return host
    }
    var config = SweepConfig()
    if let timeoutMs { config.probeTimeout = .milliseconds(timeoutMs) }
    if let workers { config.workers = workers }
    if let inflight { config.maxInFlight = inflight }
    if let congestion { config.congestionControl = congestion }
    let result: SweepResult
    do {
        result = try Sweep(config: config).run(hosts: hosts, ports: parsePorts(args[2]))
    } catch {
        fail("\(error)")
    }
    let (s, atto) = result.elapsed.components
    let elapsedMs = Double(s) * 1000 + Double(atto) / 1e15
    if json {
        printJSON(result, elapsedMs: elapsedMs)
        exit(0)
    }
    print("elapsed_ms \(elapsedMs)")
    print("probes \(result.probesSent) retries \(result.retriesSent) window_cuts \(result.windowCuts)")
    for hostResult in result.hosts {
        print("host \(hostResult.host) \(hostResult.state.rawValue) open \(hostResult.openCount) closed \(hostResult.closedCount) filtered \(hostResult.filteredCount)")
        for note in hostResult.notes { print("note \(hostResult.host) \(note)") }
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
