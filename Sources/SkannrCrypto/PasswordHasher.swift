// Argon2id password hashing through libargon2, stored as PHC strings
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash). verify() refuses PHC strings whose cost parameters
// exceed sane bounds, so a corrupted row cannot make one login allocate gigabytes.
internal import CArgon2

public struct PasswordHasher: Sendable {
    public let memoryKiB: UInt32
    public let iterations: UInt32
    public let parallelism: UInt32
    /// A PHC string with this hasher's parameters, a random salt and a random hash: verifying any
    /// password against it costs exactly one real hash and always fails (for unknown-email logins).
    public let dummyHash: String

    static let saltLength = 16
    static let hashLength = 32
    static let maxMemoryKiB: UInt32 = 1 << 20   // 1 GiB
    static let maxIterations: UInt32 = 64
    static let maxParallelism: UInt32 = 64

    public init(memoryKiB: UInt32 = 19456, iterations: UInt32 = 2, parallelism: UInt32 = 1) {
        self.memoryKiB = max(memoryKiB, 8 * max(parallelism, 1))
        self.iterations = max(iterations, 1)
        self.parallelism = max(parallelism, 1)
        let salt = PHC.encodeBase64(SecureRandom.bytes(Self.saltLength))
        let hash = PHC.encodeBase64(SecureRandom.bytes(Self.hashLength))
        dummyHash = "$argon2id$v=19$m=\(self.memoryKiB),t=\(self.iterations),p=\(self.parallelism)$\(salt)$\(hash)"
    }

    public func hash(_ password: String) throws(CryptoError) -> String {
        let pwd = Array(password.utf8)
        let salt = SecureRandom.bytes(Self.saltLength)
        let length = argon2_encodedlen(iterations, memoryKiB, parallelism, UInt32(Self.saltLength),
                                       UInt32(Self.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length + 1)
        let status = pwd.withUnsafeBytes { p in
            argon2id_hash_encoded(iterations, memoryKiB, parallelism, p.baseAddress, p.count,
                                  salt, salt.count, Self.hashLength, &encoded, encoded.count)
        }
        guard status == ARGON2_OK.rawValue else {
            throw CryptoError(.libraryFailure, String(cString: argon2_error_message(status)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func verify(_ password: String, phc: String) -> Bool {
        guard let params = PHC.Parameters(phc), params.isArgon2id,
              params.memoryKiB <= Self.maxMemoryKiB, params.iterations <= Self.maxIterations,
              params.parallelism <= Self.maxParallelism else { return false }
        let pwd = Array(password.utf8)
        let status = pwd.withUnsafeBytes { p in
            argon2id_verify(phc, p.baseAddress, p.count)
        }
        return status == ARGON2_OK.rawValue
    }

    /// True when the stored hash is not argon2id v19 with exactly this hasher's parameters.
    public func needsRehash(phc: String) -> Bool {
        guard let params = PHC.Parameters(phc), params.isArgon2id else { return true }
        return params.memoryKiB != memoryKiB || params.iterations != iterations || params.parallelism != parallelism
    }
}
