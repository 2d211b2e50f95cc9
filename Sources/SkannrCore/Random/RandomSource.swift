// Where SkannrCore's random bytes come from (ids, secrets, tokens, recovery codes): an input, so the
// rules are deterministic under test and the caller picks the generator. `.secure` is OpenSSL's
// CSPRNG (SkannrCrypto.SecureRandom), the default everywhere outside tests.
// Trap: `.counting` is predictable by design; it exists for tests and must never mint a real secret.
import SkannrCrypto
import Synchronization

public struct RandomSource: Sendable {
    private let generate: @Sendable (Int) -> [UInt8]

    public init(_ generate: @escaping @Sendable (Int) -> [UInt8]) { self.generate = generate }

    public func bytes(_ count: Int) -> [UInt8] {
        let out = generate(count)
        precondition(out.count == count, "a random source returned \(out.count) bytes for \(count)")
        return out
    }

    /// The CSPRNG (RAND_bytes); traps if it is unusable rather than hand out predictable bytes.
    public static let secure = RandomSource { SecureRandom.bytes($0) }

    /// Tests: the bytes start, start+1, ... (wrapping), continuing across calls.
    public static func counting(from start: UInt8 = 0) -> RandomSource {
        let next = Counter(start)
        return RandomSource { count in
            next.value.withLock { value in
                (0..<count).map { _ in
                    defer { value &+= 1 }
                    return value
                }
            }
        }
    }
}

/// The next byte of a `.counting` source, shared by every copy of it.
private final class Counter: Sendable {
    let value: Mutex<UInt8>
    init(_ start: UInt8) { value = Mutex(start) }
}
