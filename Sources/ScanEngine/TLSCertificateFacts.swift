// Reads the facts of a leaf certificate: names (RFC 2253), SANs, validity, SHA-256 and self-signature.
// Trap: every BIO/EVP_PKEY/GENERAL_NAMES made here is freed before returning (defer right after creation).
import Foundation
internal import COpenSSL

enum CertificateReader {
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
                        expired: notAfter < now)
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

    static func subjectAltNames(_ x509: OpaquePointer) -> [String] {
        guard let names = skannr_x509_subject_alt_names(x509) else {
            ERR_clear_error()
            return []
        }
        defer { skannr_general_names_free(names) }
        var out: [String] = []
        for i in 0..<skannr_general_names_count(names) {
            guard let name = skannr_general_names_at(names, i) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            guard let bytes = ASN1_STRING_get0_data(string) else { continue }
            let buffer = UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(string)))
            if type == GEN_DNS {
                out.append(String(decoding: buffer, as: UTF8.self))
            } else if type == GEN_IPADD, buffer.count == 4 || buffer.count == 16 {
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
                let family = buffer.count == 4 ? AF_INET : AF_INET6
                if inet_ntop(family, buffer.baseAddress, &text, socklen_t(text.count)) != nil {
                    out.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                }
            }
        }
        return out
    }
}
