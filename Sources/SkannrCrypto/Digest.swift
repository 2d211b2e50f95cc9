// SHA-256 and SHA-1 through OpenSSL's one-shot EVP_Digest.
// SHA-1 is here only for TOTP (RFC 6238) and HMAC-SHA1; never use it for anything new.
internal import COpenSSL

public enum Digest {
    public static func sha256(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha256(), 32) }
    public static func sha1(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha1(), 20) }

    public static func sha256(_ text: String) -> [UInt8] { sha256(Array(text.utf8)) }

    private static func digest(_ data: [UInt8], _ md: OpaquePointer?, _ size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &out, &outLength, md, nil)
        }
        // Only an allocation failure inside OpenSSL can make a digest fail.
        guard ok == 1, Int(outLength) == size else { fatalError("EVP_Digest failed") }
        return Array(out.prefix(size))
    }
}
