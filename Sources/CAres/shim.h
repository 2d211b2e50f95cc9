#include <ares.h>

/* skannr_ helpers: c-ares macros Swift cannot import (ScanEngine's Resolver). */
static inline int skannr_ares_sock_readable(int bits, int index) {
    return ARES_GETSOCK_READABLE(bits, index) ? 1 : 0;
}
static inline int skannr_ares_sock_writable(int bits, int index) {
    return ARES_GETSOCK_WRITABLE(bits, index) ? 1 : 0;
}
