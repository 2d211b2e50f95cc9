/* The C reference of scripts/bench-api: a plain libfcgi FCGX_Accept_r loop that answers every
 * request with one primary-key SELECT (prepared once per process) through libmariadb, as JSON.
 * Usage: reference-responder SOCKET PROCESSES DB_SOCKET DB_USER DB_PASSWORD DB_NAME TARGET_ID
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

static int serve(int listen_fd, char **argv) {
    MYSQL *db = mysql_init(NULL);
    if (!mysql_real_connect(db, NULL, argv[4], argv[5], argv[6], 0, argv[3], 0)) {
        fprintf(stderr, "connect: %s\n", mysql_error(db));
        return 1;
    }
    const char *sql = "SELECT id, address, label FROM targets WHERE id = ?";
    MYSQL_STMT *stmt = mysql_stmt_init(db);
    if (mysql_stmt_prepare(stmt, sql, strlen(sql))) {
        fprintf(stderr, "prepare: %s\n", mysql_stmt_error(stmt));
        return 1;
    }
    long long id = atoll(argv[7]), out_id = 0;
    char address[256], label[256];
    unsigned long address_len = 0, label_len = 0;
    char label_null = 0;
    MYSQL_BIND param = {0}, result[3];
    memset(result, 0, sizeof result);
    param.buffer_type = MYSQL_TYPE_LONGLONG;
    param.buffer = &id;
    mysql_stmt_bind_param(stmt, &param);
    result[0].buffer_type = MYSQL_TYPE_LONGLONG; result[0].buffer = &out_id;
    result[1].buffer_type = MYSQL_TYPE_STRING; result[1].buffer = address;
    result[1].buffer_length = sizeof address - 1; result[1].length = &address_len;
    result[2].buffer_type = MYSQL_TYPE_STRING; result[2].buffer = label;
    result[2].buffer_length = sizeof label - 1; result[2].length = &label_len;
    result[2].is_null = &label_null;
    mysql_stmt_bind_result(stmt, result);

    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        int found = 0;
        if (mysql_stmt_execute(stmt) == 0 && mysql_stmt_store_result(stmt) == 0) {
            found = mysql_stmt_fetch(stmt) == 0;
            mysql_stmt_free_result(stmt);
        }
        if (found) {
            address[address_len] = 0;
            label[label_null ? 0 : label_len] = 0;
            FCGX_FPrintF(request.out,
                "Status: 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n\r\n"
                "{\"id\":%lld,\"address\":\"%s\",\"label\":\"%s\"}", out_id, address, label);
        } else {
            FCGX_FPrintF(request.out, "Status: 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n"
                "{\"message\":\"%s\",\"code\":\"internal\"}", mysql_stmt_error(stmt));
        }
        FCGX_Finish_r(&request);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: %s SOCKET PROCESSES DB_SOCKET DB_USER DB_PASSWORD DB_NAME TARGET_ID\n", argv[0]);
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
