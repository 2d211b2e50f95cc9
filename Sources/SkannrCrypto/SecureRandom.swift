// Bytes from OpenSSL's CSPRNG (RAND_bytes). A failing CSPRNG is unrecoverable: it traps rather
// than hand out predictable bytes.
internal import COpenSSL

public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard ok == 1 else { fatalError("RAND_bytes failed: the CSPRNG is unusable") }
        return out
    }
}
