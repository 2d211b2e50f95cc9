// Authenticated encryption of small secrets (TOTP seeds) with AES-256-GCM through OpenSSL's EVP API.
// Box layout: 12-byte random nonce || ciphertext || 16-byte tag. Random nonces are safe for far
// fewer than 2^32 seals per key; optional associated data binds a box to its owner (e.g. account id).
internal import COpenSSL

public struct SecretBox: Sendable {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    private let key: [UInt8]

    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keySize else {
            throw CryptoError(.invalidKey, "SecretBox needs a \(Self.keySize)-byte key, got \(key.count) bytes")
        }
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], associatedData: [UInt8] = []) -> [UInt8] {
        let nonce = SecureRandom.bytes(Self.nonceSize)
        var tag = [UInt8](repeating: 0, count: Self.tagSize)
        // AES-GCM encryption only fails on allocation failure inside OpenSSL.
        guard let ciphertext = crypt(encrypt: true, plaintext, nonce: nonce, associatedData: associatedData, tag: &tag) else {
            fatalError("AES-256-GCM seal failed")
        }
        return nonce + ciphertext + tag
    }

    public func open(_ box: [UInt8], associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard box.count >= Self.nonceSize + Self.tagSize else {
            throw CryptoError(.malformedInput, "sealed box is too short")
        }
        let nonce = Array(box.prefix(Self.nonceSize))
        let ciphertext = Array(box[Self.nonceSize..<(box.count - Self.tagSize)])
        var tag = Array(box.suffix(Self.tagSize))
        guard let plaintext = crypt(encrypt: false, ciphertext, nonce: nonce, associatedData: associatedData, tag: &tag) else {
            throw CryptoError(.authenticationFailed, "sealed box failed authentication")
        }
        return plaintext
    }

    /// One AES-256-GCM pass in either direction; nil when any step fails. Encrypting reads the tag
    /// out after the final block; decrypting sets the expected tag before it, and the final block
    /// then fails unless the tag matches.
    private func crypt(encrypt: Bool, _ input: [UInt8], nonce: [UInt8], associatedData: [UInt8],
                       tag: inout [UInt8]) -> [UInt8]? {
        let context = CipherContext()
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0
        var total = 0
        guard EVP_CipherInit_ex(context.pointer, EVP_aes_256_gcm(), nil, key, nonce, encrypt ? 1 : 0) == 1 else { return nil }
        if !associatedData.isEmpty {
            guard EVP_CipherUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)) == 1 else { return nil }
        }
        if !input.isEmpty {
            guard EVP_CipherUpdate(context.pointer, &output, &length, input, Int32(input.count)) == 1 else { return nil }
            total = Int(length)
        }
        if !encrypt {
            guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagSize), &tag) == 1 else { return nil }
        }
        let finished = output.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return EVP_CipherFinal_ex(context.pointer, base + total, &length) == 1
        }
        guard finished else { return nil }
        total += Int(length)
        if encrypt {
            guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagSize), &tag) == 1 else { return nil }
        }
        return Array(output.prefix(total))
    }
}

/// Owns one EVP_CIPHER_CTX; freed (and wiped by OpenSSL) in deinit.
private final class CipherContext {
    let pointer: OpaquePointer

    init() {
        guard let context = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed") }
        pointer = context
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }
}
