/* The C reference of scripts/bench-api: a plain libfcgi FCGX_Accept_r loop over libmariadb prepared
 * statements (prepared once per process), writing the API's JSON by hand.
 *   /                          one primary-key SELECT of a target (id, address, label): the floor
 *   /api/v1/targets            GET /targets: the SQL TargetStore.list runs, the Target objects
 *   /api/v1/scans/ID/results   GET /scans/:id/results: ScanStore.find, then ScanResultStore.openPorts
 *                              (first page or after the cursor), the PortResult objects
 *   /api/v1/alerts             GET /alerts (no filter): AlertStore.list, the Alert objects
 * Lists take ?limit= (1-200, default 50) and ?cursor= as the API makes them; the statements are the
 * API's, copied (scripts/bench-api compares both answers before measuring). No authentication, no
 * rate limit, no log line: the account is ACCOUNT_ID. Every column is fetched as text.
 * Usage: reference-responder SOCKET PROCESSES DB_SOCKET DB_USER DB_PASSWORD DB_NAME TARGET_ID ACCOUNT_ID
 * It opens SOCKET, forks PROCESSES children (one MariaDB connection each) and waits; SIGTERM to
 * the parent stops them all. Not hardened: a benchmark yardstick, never deployed. */
#include <fcgiapp.h>
#include <mysql.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static pid_t children[256];
static int child_count;

static void stop_children(int sig) {
    (void)sig;
    for (int i = 0; i < child_count; i++) kill(children[i], SIGTERM);
}

/* ---- the API's statements (Sources/SkannrStore: TargetRecord.columns, ScanRecord.columns, …) ---- */
#define TARGET_COLUMNS "t.id, t.address, t.address_type, t.address_count, t.label, t.scan_profile, t.ports, t.expected_ports, " \
    "t.interval_minutes, t.enabled, t.created_at, t.updated_at, t.next_scan_at, t.last_scan_id, t.last_scan_at"
static const char *SQL_TARGET = "SELECT id, address, label FROM targets WHERE id = ?";
static const char *SQL_TARGETS = "SELECT " TARGET_COLUMNS " FROM targets t WHERE t.user_id = ? AND t.id < ? ORDER BY t.id DESC LIMIT ?";
static const char *SQL_SCAN = "SELECT id, target_id, status, trigger_kind, scan_profile, progress, hosts_total, hosts_done, ports_per_host, "
    "open_ports, created_at, started_at, finished_at, error, limits_hit FROM scans WHERE user_id = ? AND id = ?";
#define RESULTS_SQL "SELECT p.host, p.host_key, p.port, p.state, p.service, c.port_result_id AS tls_id, c.version, c.cipher, " \
    "c.subject, c.issuer, c.san, c.not_before, c.not_after, c.fingerprint_sha256, c.self_signed, c.expired " \
    "FROM port_results p FORCE INDEX (port_results_scan_state) JOIN scans s ON s.id = p.scan_id " \
    "LEFT JOIN tls_certificates c ON c.port_result_id = p.id WHERE s.user_id = ? AND p.scan_id = ? AND p.state = 'open'"
static const char *SQL_RESULTS = RESULTS_SQL " ORDER BY p.host_key, p.port LIMIT ?";
static const char *SQL_RESULTS_AFTER = RESULTS_SQL " AND p.host_key >= ? AND (p.host_key > ? OR p.port > ?) ORDER BY p.host_key, p.port LIMIT ?";
static const char *SQL_ALERTS = "SELECT id, target_id, scan_id, type, severity, host, port, title, details, status, created_at, "
    "acknowledged_at, resolved_at, accepted_at, accept_note FROM alerts FORCE INDEX (alerts_user_id) WHERE user_id = ? "
    "AND id < ? ORDER BY id DESC LIMIT ?";

/* ---- a prepared statement with integer/blob parameters and every column bound as text ---- */
#define MAX_COLUMNS 16
#define COLUMN_BYTES 8192
typedef struct {
    MYSQL_STMT *stmt;
    int columns;
    char data[MAX_COLUMNS][COLUMN_BYTES];
    unsigned long length[MAX_COLUMNS];
    char is_null[MAX_COLUMNS];
    MYSQL_BIND result[MAX_COLUMNS];
} Statement;

typedef struct { int is_blob; long long number; const char *bytes; unsigned long size; } Param;

static int prepare(MYSQL *db, Statement *s, const char *sql) {
    memset(s, 0, sizeof *s);
    s->stmt = mysql_stmt_init(db);
    if (mysql_stmt_prepare(s->stmt, sql, strlen(sql))) { fprintf(stderr, "prepare: %s\n", mysql_stmt_error(s->stmt)); return 1; }
    s->columns = (int)mysql_stmt_field_count(s->stmt);
    for (int i = 0; i < s->columns; i++) {
        s->result[i].buffer_type = MYSQL_TYPE_STRING;
        s->result[i].buffer = s->data[i];
        s->result[i].buffer_length = COLUMN_BYTES - 1;
        s->result[i].length = &s->length[i];
        s->result[i].is_null = &s->is_null[i];
    }
    return mysql_stmt_bind_result(s->stmt, s->result) ? 1 : 0;
}

static int execute(Statement *s, Param *params, int count) {
    MYSQL_BIND bind[8];
    memset(bind, 0, sizeof bind);
    for (int i = 0; i < count; i++) {
        if (params[i].is_blob) {
            bind[i].buffer_type = MYSQL_TYPE_BLOB;
            bind[i].buffer = (void *)params[i].bytes;
            bind[i].buffer_length = params[i].size;
        } else {
            bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[i].buffer = &params[i].number;
        }
    }
    if (mysql_stmt_bind_param(s->stmt, bind) || mysql_stmt_execute(s->stmt) || mysql_stmt_store_result(s->stmt)) return 1;
    return 0;
}

/* The next row (columns NUL-terminated), or 0 at the end. */
static int next_row(Statement *s) {
    int status = mysql_stmt_fetch(s->stmt);
    if (status != 0 && status != MYSQL_DATA_TRUNCATED) return 0;
    for (int i = 0; i < s->columns; i++) {
        unsigned long n = s->length[i] < COLUMN_BYTES - 1 ? s->length[i] : COLUMN_BYTES - 1;
        s->data[i][s->is_null[i] ? 0 : n] = 0;
    }
    return 1;
}

/* ---- JSON into a growing buffer ---- */
typedef struct { char *bytes; size_t size, capacity; } Buffer;

static void put(Buffer *b, const char *text, size_t n) {
    if (b->size + n + 1 > b->capacity) {
        b->capacity = (b->size + n + 1) * 2;
        b->bytes = realloc(b->bytes, b->capacity);
    }
    memcpy(b->bytes + b->size, text, n);
    b->size += n;
}
static void puts_(Buffer *b, const char *text) { put(b, text, strlen(text)); }

static void json_string(Buffer *b, const char *text, size_t n) {
    static const char hex[] = "0123456789abcdef";
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': put(b, "\\\"", 2); break;
        case '\\': put(b, "\\\\", 2); break;
        case '\n': put(b, "\\n", 2); break;
        case '\r': put(b, "\\r", 2); break;
        case '\t': put(b, "\\t", 2); break;
        case '\b': put(b, "\\b", 2); break;
        case '\f': put(b, "\\f", 2); break;
        default:
            if (c < 0x20) { char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}; put(b, u, 6); }
            else put(b, (const char *)&c, 1);
        }
    }
    put(b, "\"", 1);
}

/* Member `name` of column i: a string, a number, a boolean (0/1), a date (whole seconds, Z), or raw JSON; null when NULL. */
enum Kind { STR, NUM, BOOL, DATE, RAW };
static void member(Buffer *b, int first, const char *name, Statement *s, int i, enum Kind kind) {
    if (!first) put(b, ",", 1);
    put(b, "\"", 1); puts_(b, name); put(b, "\":", 2);
    if (s->is_null[i]) { puts_(b, "null"); return; }
    const char *v = s->data[i];
    switch (kind) {
    case STR: json_string(b, v, strlen(v)); break;
    case NUM: case RAW: puts_(b, v); break;
    case BOOL: puts_(b, strcmp(v, "0") ? "true" : "false"); break;
    case DATE: { /* "2026-01-01 00:00:00.000000" -> "2026-01-01T00:00:00Z" */
        char d[23];
        snprintf(d, sizeof d, "\"%.10sT%.8sZ\"", v, v + 11);
        puts_(b, d);
        break;
    }
    }
}

/* ---- cursors: base64url without padding of "<id>" or "<hex host_key>.<port>" ---- */
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void base64url(Buffer *b, const unsigned char *in, size_t n) {
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        char o[4] = {B64[in[i] >> 2], B64[((in[i] & 3) << 4) | (in[i + 1] >> 4)], B64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)], B64[in[i + 2] & 63]};
        put(b, o, 4);
    }
    if (n - i == 1) { char o[2] = {B64[in[i] >> 2], B64[(in[i] & 3) << 4]}; put(b, o, 2); }
    if (n - i == 2) { char o[3] = {B64[in[i] >> 2], B64[((in[i] & 3) << 4) | (in[i + 1] >> 4)], B64[(in[i + 1] & 15) << 2]}; put(b, o, 3); }
}

static int unbase64url(const char *in, size_t n, char *out, size_t capacity) {
    size_t size = 0; unsigned bits = 0; int count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(B64, in[i]);
        if (!p || !in[i]) return -1;
        bits = (bits << 6) | (unsigned)(p - B64); count += 6;
        if (count >= 8) { count -= 8; if (size + 1 >= capacity) return -1; out[size++] = (char)((bits >> count) & 0xFF); }
    }
    out[size] = 0;
    return (int)size;
}

/* ---- requests ---- */
typedef struct { char path[512]; long limit; char cursor[256]; } Query;

static void parse(const char *uri, Query *q) {
    q->limit = 50; q->cursor[0] = 0;
    size_t path_len = strcspn(uri, "?");
    snprintf(q->path, sizeof q->path, "%.*s", (int)path_len, uri);
    const char *rest = uri[path_len] ? uri + path_len + 1 : "";
    while (*rest) {
        size_t len = strcspn(rest, "&");
        if (!strncmp(rest, "limit=", 6)) q->limit = strtol(rest + 6, NULL, 10);
        if (!strncmp(rest, "cursor=", 7)) snprintf(q->cursor, sizeof q->cursor, "%.*s", (int)(len - 7), rest + 7);
        rest += len + (rest[len] == '&');
    }
    if (q->limit < 1 || q->limit > 200) q->limit = 50;
}

typedef struct { Statement target, targets, scan, results, results_after, alerts; long long account, target_id; } Responder;

/* One page of a list keyed by id, newest first (GET /targets, GET /alerts): the cursor is the
   base64url of the last id; `item` writes one row's object. */
static int id_page(Responder *r, Query *q, Statement *s, void (*item)(Buffer *, Statement *), Buffer *b) {
    long long after = 0x7FFFFFFFFFFFFFFFLL;
    char raw[64];
    if (q->cursor[0] && unbase64url(q->cursor, strlen(q->cursor), raw, sizeof raw) > 0) after = atoll(raw);
    Param p[3] = {{0, r->account}, {0, after}, {0, q->limit + 1}};
    if (execute(s, p, 3)) return 500;
    puts_(b, "{\"items\":[");
    long rows = 0; char last[32] = "";
    while (next_row(s)) {
        if (++rows > q->limit) continue;
        if (rows > 1) put(b, ",", 1);
        item(b, s);
        snprintf(last, sizeof last, "%.31s", s->data[0]);
    }
    mysql_stmt_free_result(s->stmt);
    puts_(b, "],\"next_cursor\":");
    if (rows > q->limit) { put(b, "\"", 1); base64url(b, (unsigned char *)last, strlen(last)); put(b, "\"", 1); } else puts_(b, "null");
    put(b, "}", 1);
    return 200;
}

static void target_item(Buffer *b, Statement *s) {
    put(b, "{", 1); member(b, 1, "id", s, 0, NUM);
    member(b, 0, "address", s, 1, STR); member(b, 0, "type", s, 2, STR); member(b, 0, "label", s, 4, STR);
    member(b, 0, "scan_profile", s, 5, STR); member(b, 0, "ports", s, 6, STR); member(b, 0, "expected_ports", s, 7, STR);
    member(b, 0, "interval_minutes", s, 8, NUM); member(b, 0, "enabled", s, 9, BOOL); member(b, 0, "created_at", s, 10, DATE);
    member(b, 0, "updated_at", s, 11, DATE); member(b, 0, "last_scan_id", s, 13, NUM); member(b, 0, "last_scan_at", s, 14, DATE);
    member(b, 0, "next_scan_at", s, 12, DATE);
    put(b, "}", 1);
}

static int targets_page(Responder *r, Query *q, Buffer *b) { return id_page(r, q, &r->targets, target_item, b); }

static int results_page(Responder *r, Query *q, long long scan_id, Buffer *b) {
    Param find[2] = {{0, r->account}, {0, scan_id}};
    if (execute(&r->scan, find, 2)) return 500;
    int found = next_row(&r->scan), completed = found && !strcmp(r->scan.data[2], "completed");
    mysql_stmt_free_result(r->scan.stmt);
    if (!completed) return found ? 409 : 404;
    char raw[128], key[16]; int port = 0;
    Statement *s = &r->results;
    int ok;
    int raw_size = q->cursor[0] ? unbase64url(q->cursor, strlen(q->cursor), raw, sizeof raw) : -1;
    if (raw_size > 33 && raw[32] == '.') {
        for (int i = 0; i < 16; i++) { unsigned v; sscanf(raw + 2 * i, "%2x", &v); key[i] = (char)v; }
        port = atoi(raw + 33);
        Param p[6] = {{0, r->account}, {0, scan_id}, {1, 0, key, 16}, {1, 0, key, 16}, {0, port}, {0, q->limit + 1}};
        s = &r->results_after;
        ok = !execute(s, p, 6);
    } else {
        Param p[3] = {{0, r->account}, {0, scan_id}, {0, q->limit + 1}};
        ok = !execute(s, p, 3);
    }
    if (!ok) return 500;
    char head[64];
    snprintf(head, sizeof head, "{\"scan_id\":%lld,\"items\":[", scan_id);
    puts_(b, head);
    long rows = 0; unsigned char last_key[16]; unsigned long last_key_len = 0; char last_port[16] = "";
    while (next_row(s)) {
        if (++rows > q->limit) continue;
        if (rows > 1) put(b, ",", 1);
        put(b, "{", 1); member(b, 1, "host", s, 0, STR); member(b, 0, "port", s, 2, NUM); puts_(b, ",\"protocol\":\"tcp\"");
        member(b, 0, "state", s, 3, STR); member(b, 0, "service", s, 4, STR);
        if (s->is_null[5]) puts_(b, ",\"tls\":null");
        else {
            puts_(b, ",\"tls\":{"); member(b, 1, "version", s, 6, STR); member(b, 0, "cipher", s, 7, STR); member(b, 0, "subject", s, 8, STR);
            member(b, 0, "issuer", s, 9, STR); member(b, 0, "san", s, 10, RAW); member(b, 0, "not_before", s, 11, DATE);
            member(b, 0, "not_after", s, 12, DATE); member(b, 0, "fingerprint_sha256", s, 13, STR);
            member(b, 0, "self_signed", s, 14, BOOL); member(b, 0, "expired", s, 15, BOOL);
            put(b, "}", 1);
        }
        put(b, "}", 1);
        last_key_len = s->length[1] < 16 ? s->length[1] : 16;
        memcpy(last_key, s->data[1], last_key_len);
        snprintf(last_port, sizeof last_port, "%.15s", s->data[2]);
    }
    mysql_stmt_free_result(s->stmt);
    puts_(b, "],\"next_cursor\":");
    if (rows > q->limit) {
        static const char hex[] = "0123456789abcdef";
        char text[64]; size_t n = 0;
        for (unsigned long i = 0; i < last_key_len; i++) { text[n++] = hex[last_key[i] >> 4]; text[n++] = hex[last_key[i] & 15]; }
        n += (size_t)snprintf(text + n, sizeof text - n, ".%s", last_port);
        put(b, "\"", 1); base64url(b, (unsigned char *)text, n); put(b, "\"", 1);
    } else puts_(b, "null");
    put(b, "}", 1);
    return 200;
}

static void alert_item(Buffer *b, Statement *s) {
    put(b, "{", 1); member(b, 1, "id", s, 0, NUM); member(b, 0, "target_id", s, 1, NUM); member(b, 0, "scan_id", s, 2, NUM);
    member(b, 0, "type", s, 3, STR); member(b, 0, "severity", s, 4, STR); member(b, 0, "host", s, 5, STR);
    member(b, 0, "port", s, 6, NUM); member(b, 0, "title", s, 7, STR); member(b, 0, "details", s, 8, RAW);
    member(b, 0, "status", s, 9, STR); member(b, 0, "created_at", s, 10, DATE); member(b, 0, "acknowledged_at", s, 11, DATE);
    member(b, 0, "resolved_at", s, 12, DATE); member(b, 0, "accepted_at", s, 13, DATE); member(b, 0, "note", s, 14, STR);
    put(b, "}", 1);
}

static int alerts_page(Responder *r, Query *q, Buffer *b) { return id_page(r, q, &r->alerts, alert_item, b); }

static int one_target(Responder *r, Buffer *b) {
    Param p[1] = {{0, r->target_id}};
    Statement *s = &r->target;
    if (execute(s, p, 1)) return 500;
    int found = next_row(s);
    if (found) {
        put(b, "{", 1); member(b, 1, "id", s, 0, NUM); member(b, 0, "address", s, 1, STR); member(b, 0, "label", s, 2, STR);
        put(b, "}", 1);
    }
    mysql_stmt_free_result(s->stmt);
    return found ? 200 : 404;
}

static int serve(int listen_fd, char **argv) {
    MYSQL *db = mysql_init(NULL);
    if (!mysql_real_connect(db, NULL, argv[4], argv[5], argv[6], 0, argv[3], 0)) {
        fprintf(stderr, "connect: %s\n", mysql_error(db));
        return 1;
    }
    static Responder r;
    r.target_id = atoll(argv[7]);
    r.account = atoll(argv[8]);
    if (prepare(db, &r.target, SQL_TARGET) || prepare(db, &r.targets, SQL_TARGETS) || prepare(db, &r.scan, SQL_SCAN) ||
        prepare(db, &r.results, SQL_RESULTS) || prepare(db, &r.results_after, SQL_RESULTS_AFTER) || prepare(db, &r.alerts, SQL_ALERTS)) {
        return 1;
    }
    Buffer body = {0};
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        const char *uri = FCGX_GetParam("REQUEST_URI", request.envp);
        Query q;
        parse(uri ? uri : "/", &q);
        body.size = 0;
        int status;
        long long scan_id = 0;
        char tail[16] = "";
        if (!strcmp(q.path, "/api/v1/targets")) status = targets_page(&r, &q, &body);
        else if (!strcmp(q.path, "/api/v1/alerts")) status = alerts_page(&r, &q, &body);
        else if (sscanf(q.path, "/api/v1/scans/%lld/%15s", &scan_id, tail) == 2 && !strcmp(tail, "results"))
            status = results_page(&r, &q, scan_id, &body);
        else status = one_target(&r, &body);
        if (status == 500) {
            body.size = 0;
            puts_(&body, "{\"message\":\"database error\",\"code\":\"internal\"}");
            fprintf(stderr, "%s: %s\n", q.path, mysql_error(db));
        } else if (status != 200) {
            body.size = 0;
            puts_(&body, "{\"message\":\"not found or not completed\",\"code\":\"not_found\"}");
        }
        char head[160];   /* libfcgi's own printf knows no %zu: the header block is formatted here */
        int head_size = snprintf(head, sizeof head, "Status: %d\r\nContent-Type: application/json; charset=utf-8\r\n"
                                 "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n", status, body.size);
        FCGX_PutStr(head, head_size, request.out);
        FCGX_PutStr(body.bytes, (int)body.size, request.out);
        FCGX_Finish_r(&request);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: %s SOCKET PROCESSES DB_SOCKET DB_USER DB_PASSWORD DB_NAME TARGET_ID ACCOUNT_ID\n", argv[0]);
        return 2;
    }
    FCGX_Init();
    int listen_fd = FCGX_OpenSocket(argv[1], 128);
    if (listen_fd < 0) { perror("FCGX_OpenSocket"); return 1; }
    chmod(argv[1], 0777); /* nginx workers may run as another user */
    int processes = atoi(argv[2]);
    if (processes < 1 || processes > 256) processes = 4;
    for (int i = 0; i < processes; i++) {
        pid_t pid = fork();
        if (pid == 0) return serve(listen_fd, argv);
        children[child_count++] = pid;
    }
    signal(SIGTERM, stop_children);
    signal(SIGINT, stop_children);
    while (wait(NULL) > 0 || errno == EINTR) {}
    return 0;
}
