// Down hosts of a CIDR scan, stored compactly (issue 20): runs [offset, count] of the range's walk
// order (CIDRBlock.hosts) in scans.down_hosts, instead of a scan_hosts row each. Written by the
// write-back; expanded by the summary (the contract lists every host, down ones included) and by the
// snapshot (the diff needs every scanned host). Trap: addresses the runner's policy skipped are in no
// run (they were not scanned), so runs are read back, never recomputed from the range.
import Foundation
import SkannrCore

enum DownHostRuns {
    /// The runs of `down` (numeric addresses) in the walk order of `range`; nil when `range` is no CIDR.
    static func encode(_ down: Set<String>, range: String) -> String? {
        guard !down.isEmpty, let block = try? CIDRBlock.parse(range) else { return nil }
        var runs: [[Int]] = []
        var left = down.count
        for (offset, address) in block.hosts.enumerated() where left > 0 {
            guard down.contains(address.description) else { continue }
            left -= 1
            if let last = runs.last, last[0] + last[1] == offset {
                runs[runs.count - 1][1] += 1
            } else {
                runs.append([offset, 1])
            }
        }
        return (try? JSONEncoder().encode(runs)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The down addresses of `range` that `text` names, in walk order (empty when it names none).
    static func decode(_ text: String?, range: String) -> [String] {
        guard let text, let runs = try? JSONDecoder().decode([[Int]].self, from: Data(text.utf8)),
              let block = try? CIDRBlock.parse(range) else { return [] }
        var addresses: [String] = []
        var walk = block.hosts.makeIterator()
        var position = 0
        for run in runs where run.count == 2 && run[0] >= position && run[1] > 0 {
            while position < run[0], walk.next() != nil { position += 1 }
            for _ in 0..<run[1] {
                guard let address = walk.next() else { return addresses }
                addresses.append(address.description)
                position += 1
            }
        }
        return addresses
    }
}
