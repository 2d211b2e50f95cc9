// Hostname validation per RFC 1123: ASCII letters, digits and hyphens; labels of 1-63 characters
// that neither start nor end with a hyphen; at most 253 characters; at least two labels; the TLD
// not all-numeric (so "256.1.1.1" is not a hostname). IDNs must be given as punycode (`xn--`).
enum Hostname {
    /// Returns the normalised form: lowercased, one trailing dot removed.
    static func normalize(_ text: Substring) throws(AddressError) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw .invalid("not an IP, domain or CIDR range") }
        guard name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw .invalid("international domain names must be written in punycode (xn--...)")
        }
        guard name.utf8.count <= 253 else { throw .invalid("a domain name has at most 253 characters") }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { throw .invalid("a domain name needs at least two labels, like example.com") }
        for label in labels {
            guard !label.isEmpty else { throw .invalid("a domain name cannot contain empty labels ('..')") }
            guard label.utf8.count <= 63 else { throw .invalid("each domain label has at most 63 characters") }
            guard label.utf8.allSatisfy(isLabelByte) else {
                throw .invalid("domain labels contain only letters, digits and hyphens")
            }
            guard label.first != "-", label.last != "-" else {
                throw .invalid("domain labels cannot start or end with a hyphen")
            }
        }
        if let tld = labels.last, tld.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            throw .invalid("not an IP, domain or CIDR range")
        }
        return name
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45
    }

    /// Special-use names (RFC 6761, RFC 8375, ICANN .internal) that never reach the public internet.
    static func restriction(of name: String) -> AddressRestriction? {
        let tld = name.split(separator: ".").last.map(String.init) ?? ""
        switch tld {
        case "localhost": return .loopback
        case "local": return .linkLocal
        case "internal": return .private
        case "test", "invalid": return .reserved
        default: return name.hasSuffix(".home.arpa") || name == "home.arpa" ? .private : nil
        }
    }
}
