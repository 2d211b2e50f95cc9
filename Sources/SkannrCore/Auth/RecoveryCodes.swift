// MFA recovery codes: "xxxxx-xxxxx" from the lowercase base32 alphabet, 50 random bits each.
// They are high-entropy, so a plain SHA-256 of the normalised code is a safe stored form.
import SkannrCrypto

public enum RecoveryCodes {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    public static func generate(count: Int = 10, random: RandomSource = .secure) -> [String] {
        var codes: [String] = []
        while codes.count < count {
            let bytes = random.bytes(10)
            let chars = bytes.map { alphabet[Int($0 & 31)] }   // 5 random bits per character
            let code = String(decoding: chars[0..<5], as: UTF8.self) + "-" + String(decoding: chars[5..<10], as: UTF8.self)
            if !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    /// Lowercased, with spaces and dashes removed: "ABCDE-fghij " -> "abcdefghij".
    public static func normalize(_ code: String) -> String {
        String(code.lowercased().unicodeScalars.filter { $0 != "-" && $0 != " " && $0 != "\t" })
    }

    public static func hash(_ code: String) -> [UInt8] { Digest.sha256(Array(normalize(code).utf8)) }

    /// True for ten characters of the alphabet once normalised (rejects junk before hashing).
    public static func isWellFormed(_ code: String) -> Bool {
        let normalized = Array(normalize(code).utf8)
        return normalized.count == 10 && normalized.allSatisfy { alphabet.contains($0) }
    }
}
