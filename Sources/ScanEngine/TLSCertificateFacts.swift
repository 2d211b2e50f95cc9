// Reads the facts of a leaf certificate: names (RFC 2253), SANs, validity, SHA-256, key type, self-signature.
// Traps: the certificate comes from a hostile peer. A GENERAL_NAME's union is read only after its type
// says which member it is (otherName/dirName are other structs); lengths ≤ 0 and huge lists are skipped
// or capped. Every BIO/EVP_PKEY/GENERAL_NAMES made here is freed before returning (defer right after creation).
import Foundation
import SkannrCore
internal import COpenSSL

enum CertificateReader {
    /// SAN entries kept per certificate (a hostile peer may send thousands).
    static let maxSubjectAltNames = 100
    /// Longest SAN string kept (a DNS name has at most 253 characters).
    static let maxNameLength = 255

    static func facts(of cert: Certificate, version: String, cipher: String, now: Date) -> TLSFacts? {
        let x509 = cert.x509
        guard let subjectName = X509_get_subject_name(x509), let issuerName = X509_get_issuer_name(x509),
              let notBefore = date(X509_get0_notBefore(x509)), let notAfter = date(X509_get0_notAfter(x509)),
              let fingerprint = sha256(x509) else { return nil }
        return TLSFacts(version: version, cipher: cipher,
                        subject: oneLine(subjectName), issuer: oneLine(issuerName),
                        san: subjectAltNames(x509),
                        notBefore: notBefore, notAfter: notAfter,
                        fingerprintSHA256: fingerprint,
                        selfSigned: isSelfSigned(x509, subject: subjectName, issuer: issuerName),
                        expired: notAfter < now,
                        keyType: keyType(x509))
    }

    /// The same facts from a DER certificate (tests and fuzzing feed hostile bytes here); nil when unreadable.
    static func facts(derEncoded der: [UInt8], now: Date = Date()) -> TLSFacts? {
        defer { ERR_clear_error() }
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            guard buffer.count > 0, buffer.count <= Int(Int32.max) else { return nil }
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let parsed else { return nil }
        return facts(of: Certificate(owning: parsed), version: "", cipher: "", now: now)
    }

    static func oneLine(_ name: OpaquePointer) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard skannr_x509_name_print_rfc2253(bio, name) >= 0 else { return "" }
        var data: UnsafeMutablePointer<CChar>?
        let length = skannr_bio_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    static func sha256(_ x509: OpaquePointer) -> String? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, EVP_sha256(), &digest, &length) == 1 else { return nil }
        let hex: [Character] = Array("0123456789abcdef")
        var out = ""
        for byte in digest.prefix(Int(length)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return out
    }

    static func isSelfSigned(_ x509: OpaquePointer, subject: OpaquePointer, issuer: OpaquePointer) -> Bool {
        guard X509_NAME_cmp(subject, issuer) == 0, let key = X509_get_pubkey(x509) else { return false }
        defer { EVP_PKEY_free(key) }
        let ok = X509_verify(x509, key) == 1
        ERR_clear_error()
        return ok
    }

    /// "RSA-2048", "EC-P256", "Ed25519", …; "unknown" when the key cannot be read.
    static func keyType(_ x509: OpaquePointer) -> String {
        guard let key = X509_get0_pubkey(x509) else {   // get0: owned by the certificate
            ERR_clear_error()
            return "unknown"
        }
        let bits = EVP_PKEY_get_bits(key)
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA, EVP_PKEY_RSA_PSS: return "RSA-\(bits)"
        case EVP_PKEY_DSA: return "DSA-\(bits)"
        case EVP_PKEY_ED25519: return "Ed25519"
        case EVP_PKEY_ED448: return "Ed448"
        case EVP_PKEY_EC: return "EC-\(curveName(key) ?? String(bits))"
        case let id:
            let name = OBJ_nid2sn(id).map { String(cString: $0) } ?? "unknown"
            return bits > 0 ? "\(name)-\(bits)" : name
        }
    }

    /// P256/P384/P521 for the NIST curves, else OpenSSL's group name.
    private static func curveName(_ key: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &buffer, buffer.count, &length) == 1, length > 0 else {
            ERR_clear_error()
            return nil
        }
        let name = String(decoding: buffer.prefix(min(length, buffer.count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch name {
        case "prime256v1", "P-256", "secp256r1": return "P256"
        case "secp384r1", "P-384": return "P384"
        case "secp521r1", "P-521": return "P521"
        default: return name
        }
    }

    /// DNS names and IP addresses of the SAN extension, at most `maxSubjectAltNames`.
    static func subjectAltNames(_ x509: OpaquePointer) -> [String] {
        guard let names = skannr_x509_subject_alt_names(x509) else {
            ERR_clear_error()
            return []
        }
        defer { skannr_general_names_free(names) }
        var out: [String] = []
        let count = skannr_general_names_count(names)
        var index: Int32 = 0
        while index < count, out.count < maxSubjectAltNames {
            if let name = skannr_general_names_at(names, index), let text = subjectAltName(name) {
                out.append(text)
            }
            index += 1
        }
        return out
    }

    /// One SAN entry as text, or nil for types we do not record (otherName, dirName, email, URI, …)
    /// and for malformed values. The type is checked before the union is read.
    static func subjectAltName(_ name: UnsafeMutablePointer<GENERAL_NAME>) -> String? {
        switch name.pointee.type {
        case GEN_DNS:
            guard let bytes = stringBytes(name.pointee.d.dNSName), bytes.count <= maxNameLength else { return nil }
            return printable(bytes)
        case GEN_IPADD:
            guard let bytes = stringBytes(name.pointee.d.iPAddress), bytes.count == 4 || bytes.count == 16 else { return nil }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            let family = bytes.count == 4 ? AF_INET : AF_INET6
            guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default:
            return nil
        }
    }

    /// The bytes of an ASN1_STRING, nil when absent, empty or of a negative length.
    private static func stringBytes(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> [UInt8]? {
        guard let string else { return nil }
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// ASCII as is; control characters and non-ASCII bytes become "?" (a SAN is IA5, and the text reaches logs).
    private static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { (0x20...0x7e).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
