// HMAC-SHA256 (JWT HS256, Stripe webhooks) and HMAC-SHA1 (TOTP) through OpenSSL's one-shot HMAC().
// An empty key is passed as a pointer to a zero-length buffer, never NULL (OpenSSL treats NULL specially).
internal import COpenSSL

public enum HMAC {
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(EVP_sha256(), key, message, 32) }
    public static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(EVP_sha1(), key, message, 20) }

    private static func mac(_ md: OpaquePointer?, _ key: [UInt8], _ message: [UInt8], _ size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        let keyBytes = key.isEmpty ? [0] : key
        let result = keyBytes.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                COpenSSL.HMAC(md, k.baseAddress, Int32(key.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self),
                              m.count, &out, &outLength)
            }
        }
        guard result != nil, Int(outLength) == size else { fatalError("HMAC failed") }
        return Array(out.prefix(size))
    }
}
