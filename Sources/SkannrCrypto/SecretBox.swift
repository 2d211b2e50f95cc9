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
        let context = CipherContext()
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: Self.tagSize)
        var length: Int32 = 0
        var total = 0
        var ok = EVP_EncryptInit_ex(context.pointer, EVP_aes_256_gcm(), nil, key, nonce) == 1
        if ok, !associatedData.isEmpty {
            ok = EVP_EncryptUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)) == 1
        }
        if ok, !plaintext.isEmpty {
            ok = EVP_EncryptUpdate(context.pointer, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1
            total = Int(length)
        }
        if ok {
            ok = ciphertext.withUnsafeMutableBufferPointer { buffer -> Bool in
                guard let base = buffer.baseAddress else { return false }
                return EVP_EncryptFinal_ex(context.pointer, base + total, &length) == 1
            }
            total += Int(length)
        }
        if ok {
            ok = EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagSize), &tag) == 1
        }
        // AES-GCM encryption only fails on allocation failure inside OpenSSL.
        guard ok else { fatalError("AES-256-GCM seal failed") }
        return nonce + ciphertext.prefix(total) + tag
    }

    public func open(_ box: [UInt8], associatedData: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        guard box.count >= Self.nonceSize + Self.tagSize else {
            throw CryptoError(.malformedInput, "sealed box is too short")
        }
        let nonce = Array(box.prefix(Self.nonceSize))
        let ciphertext = Array(box[Self.nonceSize..<(box.count - Self.tagSize)])
        var tag = Array(box.suffix(Self.tagSize))
        let context = CipherContext()
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        var total = 0
        var ok = EVP_DecryptInit_ex(context.pointer, EVP_aes_256_gcm(), nil, key, nonce) == 1
        if ok, !associatedData.isEmpty {
            ok = EVP_DecryptUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)) == 1
        }
        if ok, !ciphertext.isEmpty {
            ok = EVP_DecryptUpdate(context.pointer, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1
            total = Int(length)
        }
        if ok {
            ok = EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagSize), &tag) == 1
        }
        if ok {
            ok = plaintext.withUnsafeMutableBufferPointer { buffer -> Bool in
                guard let base = buffer.baseAddress else { return false }
                return EVP_DecryptFinal_ex(context.pointer, base + total, &length) == 1
            }
            total += Int(length)
        }
        guard ok else { throw CryptoError(.authenticationFailed, "sealed box failed authentication") }
        return Array(plaintext.prefix(total))
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
