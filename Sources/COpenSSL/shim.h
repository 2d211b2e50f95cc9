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

/* Not OpenSSL: Swift's Glibc module lacks <sys/epoll.h>; ScanEngine (the only user of both) gets it here. */
#include <sys/epoll.h>
