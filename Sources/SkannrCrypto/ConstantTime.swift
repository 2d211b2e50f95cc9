// Comparison of secrets (MACs, token hashes) in time independent of the contents (CRYPTO_memcmp).
// Lengths are not secret here: different lengths return false at once.
internal import COpenSSL

public enum ConstantTime {
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, x.count) == 0 }
        }
    }
}
