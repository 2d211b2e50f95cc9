// Parsing and base64 of PHC strings as libargon2 writes them: standard alphabet, no padding.
import Foundation

enum PHC {
    struct Parameters {
        var algorithm: String
        var version: Int
        var memoryKiB: UInt32
        var iterations: UInt32
        var parallelism: UInt32

        var isArgon2id: Bool { algorithm == "argon2id" && version == 19 }

        /// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"
        init?(_ phc: String) {
            let parts = phc.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0].isEmpty, parts[1].hasPrefix("argon2"),
                  parts[2].hasPrefix("v="), let version = Int(parts[2].dropFirst(2)),
                  !parts[4].isEmpty, !parts[5].isEmpty else { return nil }
            var values: [Substring: UInt32] = [:]
            for item in parts[3].split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let value = UInt32(pair[1]) else { return nil }
                values[pair[0]] = value
            }
            guard values.count == 3, let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
            algorithm = String(parts[1])
            self.version = version
            memoryKiB = m
            iterations = t
            parallelism = p
        }
    }

    static func encodeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}
