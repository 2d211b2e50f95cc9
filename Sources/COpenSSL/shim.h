#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>

/* skannr_ helpers: OpenSSL macros Swift cannot import (ScanEngine's TLS probe). */
static inline long skannr_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long skannr_ssl_ctx_set_min_proto(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline void skannr_ssl_ctx_set_max_cert_list(SSL_CTX *ctx, long bytes) {
    SSL_CTX_set_max_cert_list(ctx, bytes);
}
static inline long skannr_bio_mem_data(BIO *bio, char **out) {
    return BIO_get_mem_data(bio, out);
}
static inline int skannr_x509_name_print_rfc2253(BIO *bio, const X509_NAME *name) {
    return X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
}
static inline GENERAL_NAMES *skannr_x509_subject_alt_names(X509 *cert) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}
static inline int skannr_general_names_count(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}
static inline GENERAL_NAME *skannr_general_names_at(const GENERAL_NAMES *names, int i) {
    return sk_GENERAL_NAME_value(names, i);
}
static inline void skannr_general_names_free(GENERAL_NAMES *names) {
    GENERAL_NAMES_free(names);
}
/* The TLS probe tells "not TLS" from "failed" by the library and reason of OpenSSL's error code. */
static inline int skannr_err_library(unsigned long code) {
    return ERR_GET_LIB(code);
}
static inline int skannr_err_reason(unsigned long code) {
    return ERR_GET_REASON(code);
}
/* 1 when the peer closed the connection (OpenSSL 3 reports an EOF mid-handshake as an SSL error). */
static inline int skannr_err_is_unexpected_eof(unsigned long code) {
    return ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}
static inline int skannr_err_is_system(unsigned long code) {
    return ERR_GET_LIB(code) == ERR_LIB_SYS;
}
/* 1 when the handshake error means the peer's bytes are not TLS records at all. */
static inline int skannr_err_means_not_tls(unsigned long code) {
    if (ERR_GET_LIB(code) != ERR_LIB_SSL) return 0;
    switch (ERR_GET_REASON(code)) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_RECORD_LENGTH_MISMATCH:
        return 1;
    default:
        return 0;
    }
}
