#include <curl/curl.h>

/* ---- Skannr HTTPClient: typed wrappers for curl's variadic calls and macros Swift cannot import ---- */
typedef size_t (*skannr_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode skannr_curl_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
static inline CURLcode skannr_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skannr_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skannr_curl_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skannr_curl_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skannr_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode skannr_curl_setopt_writefn(CURL *h, CURLoption o, skannr_curl_data_cb f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode skannr_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline long skannr_curl_http_version_1_1(void) { return (long)CURL_HTTP_VERSION_1_1; }

/* ---- Skannr SMTPClient: the read callback has the same shape as the data callbacks ---- */
static inline long skannr_curl_usessl_try(void) { return (long)CURLUSESSL_TRY; }
