// Validation of what a person types at registration: email (trimmed, lowercased, a practical
// subset of RFC 5322's dot-atom addr-spec, at most 254 characters), name (1–100 characters after
// trimming, no control characters), password (10–1024 characters, never trimmed or logged).
// Lengths count Unicode scalars, as JSON Schema's minLength/maxLength do (openapi.yaml states them).
import Foundation

enum Credentials {
    static let maxEmailLength = 254
    static let passwordLengths = 10...1024
    static let nameLengths = 1...100

    static func normalizeEmail(_ raw: String) -> String {
        raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// nil when `email` (already normalised) is acceptable, else the problem.
    static func emailProblem(_ email: String) -> String? {
        guard !email.isEmpty else { return "is required" }
        guard email.utf8.count <= maxEmailLength else { return "must be at most \(maxEmailLength) characters" }
        guard isValidEmail(email) else { return "is not a valid email address" }
        return nil
    }

    static func isValidEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, isDotAtom(parts[0]), parts[0].utf8.count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last, tld.count >= 2, tld.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { isAlphaNumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static let atextSymbols = Set("!#$%&'*+/=?^_`{|}~-".utf8)

    private static func isDotAtom(_ local: Substring) -> Bool {
        let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
        return atoms.allSatisfy { atom in
            !atom.isEmpty && atom.utf8.allSatisfy { isAlphaNumeric($0) || atextSymbols.contains($0) }
        }
    }

    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func normalizeName(_ raw: String) -> String { raw.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func nameProblem(_ name: String) -> String? {
        guard nameLengths.contains(name.unicodeScalars.count) else { return "must be 1 to 100 characters" }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "must not contain control characters"
        }
        return nil
    }

    static func passwordProblem(_ password: String) -> String? {
        passwordLengths.contains(password.unicodeScalars.count) && password.utf8.count <= 4 * passwordLengths.upperBound
            ? nil : "must be 10 to 1024 characters"
    }
}
