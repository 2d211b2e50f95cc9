# Shared by scripts/up, scripts/down, scripts/test and scripts/stackctl: install packages, and
# start or stop each part of the stack (MariaDB, responder pool, scan-runner, notifier, nginx) in one
# runtime folder. Everything a part needs lives in that folder; nothing touches /etc.
# Layout of a runtime folder $RT:  db/ (datadir)  mysql.sock  api.sock  nginx/ (prefix)
#   tls/  skannr.env  logs/  metrics/ (slot files)  metrics_port  *.pid

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PACKAGES="libfcgi-dev libmariadb-dev mariadb-server mariadb-client nginx libssl-dev libargon2-dev
libqrencode-dev libcurl4-openssl-dev openssl pkg-config zbar-tools librsvg2-bin nftables iproute2
nmap wrk python3 procps gcc libc-ares-dev"

log() { printf '[skannr] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_packages() {
    local missing=()
    for package in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    # Package scripts must not start the system's own nginx or MariaDB on their default ports.
    as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    as_root systemctl disable --now nginx mariadb >/dev/null 2>&1 || true
}

ensure_swift() {
    command -v swift >/dev/null || die "Swift 6 is required (https://swift.org/install): swift not on PATH"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# What every stack's scan-runner is pinned to unless the operator lists more networks on purpose.
LOOPBACK_NETWORKS=127.0.0.0/8,::1/128

random_b64() { openssl rand -base64 "$1" | tr -d '\n'; }

# --- runtime folder ----------------------------------------------------------------------------
# nginx's workers when the stack runs as root: an account of their own (created once), so the
# FastCGI socket can be 0660 with that group and no other local user (nobody included) reaches it.
NGINX_WORKER_USER=${SKANNR_NGINX_USER:-skannr-web}

nginx_worker_user() {
    [ "$(id -u)" = 0 ] || return 0
    id -u "$NGINX_WORKER_USER" >/dev/null 2>&1 \
        || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$NGINX_WORKER_USER" 2>/dev/null \
        || id -u "$NGINX_WORKER_USER" >/dev/null 2>&1 || die "cannot create the $NGINX_WORKER_USER account for nginx's workers"
}

# The runtime folder holds MariaDB's socket (which MariaDB makes world-writable), the FastCGI socket,
# keys and logs: owner only, plus traversal for nginx's workers' group when they are another user.
secure_runtime_dir() {
    mkdir -p "$RT"
    if [ "$(id -u)" = 0 ]; then
        nginx_worker_user
        chgrp "$NGINX_WORKER_USER" "$RT"
        chmod 0710 "$RT"
    else
        chmod 0700 "$RT"
    fi
}

# The group the pool gives api.sock (mode 0660): nginx's workers' group when they run as another user.
api_socket_group() { if [ "$(id -u)" = 0 ]; then echo "$NGINX_WORKER_USER"; else id -gn; fi; }

# --- MariaDB ---------------------------------------------------------------------------------
# MariaDB's administrators authenticate by unix_socket only: the OS user who runs the stack maps to
# the MariaDB account of the same name (root for root); no account has an empty password.
db_client() { mariadb --no-defaults -S "$RT/mysql.sock" -u"$(id -un)" "$@"; }

# A datadir made before unix_socket-only (or with anonymous accounts): give root and this OS user
# unix_socket, drop anonymous accounts and every empty password, through the old empty-password root.
harden_mariadb_accounts() {
    local weak="SELECT COUNT(*) FROM mysql.user WHERE User = '' OR (plugin IN ('', 'mysql_native_password') AND authentication_string = '' AND User <> 'mariadb.sys')"
    db_client -N -B -e "$weak" 2>/dev/null | grep -qx 0 && return 0
    local me
    me=$(id -un)
    { db_client -e 'SELECT 1' >/dev/null 2>&1 && db_client || mariadb --no-defaults -S "$RT/mysql.sock" -uroot --password=; } <<SQL \
        || die "cannot switch MariaDB's administrators to unix_socket"
CREATE USER IF NOT EXISTS '$me'@'localhost' IDENTIFIED VIA unix_socket;
GRANT ALL PRIVILEGES ON *.* TO '$me'@'localhost' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket;
DROP USER IF EXISTS ''@'localhost';
DROP USER IF EXISTS ''@'$(hostname)';
FLUSH PRIVILEGES;
SQL
    db_client -N -B -e "$weak" | grep -qx 0 || die "MariaDB still has an account with an empty password"
}

# install_mariadb_datadir DATADIR LOG: a data directory whose root is the calling user over the unix
# socket, made once. A second try on a wiped directory: install-db failed once on a loaded machine (CI).
install_mariadb_datadir() {
    local datadir=$1 log=$2 try
    for try in 1 2; do
        [ -d "$datadir/mysql" ] && return 0
        rm -rf "$datadir" && mkdir -p "$datadir"
        mariadb-install-db --no-defaults --datadir="$datadir" --user="$(id -un)" --skip-test-db \
            --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" >"$log" 2>&1 && return 0
        rm -rf "$datadir/mysql"
    done
    die "mariadb-install-db failed twice: see $log"
}

start_mariadb() {
    mkdir -p "$RT/logs"
    install_mariadb_datadir "$DB_DATADIR" "$RT/logs/mariadb-install.log"
    if db_client -e 'SELECT 1' >/dev/null 2>&1; then harden_mariadb_accounts; return 0; fi
    mariadbd --no-defaults --datadir="$DB_DATADIR" --socket="$RT/mysql.sock" --skip-networking \
        --user="$(id -un)" --pid-file="$RT/mariadb.pid" --log-error="$RT/logs/mariadb.log" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
        --innodb-flush-log-at-trx-commit=1 --max-connections=1000 \
        --innodb-buffer-pool-size=256M --skip-name-resolve >/dev/null 2>&1 &
    # Up to 60 s: InnoDB's first start takes several seconds on a busy 2-core machine.
    for _ in $(seq 1 600); do
        if db_client -e 'SELECT 1' >/dev/null 2>&1 || mariadb --no-defaults -S "$RT/mysql.sock" -uroot --password= -e 'SELECT 1' >/dev/null 2>&1; then
            harden_mariadb_accounts
            return 0
        fi
        sleep 0.1
    done
    die "MariaDB did not start: see $RT/logs/mariadb.log"
}

stop_mariadb() { stop_pid_file "$RT/mariadb.pid" 60; }

# Passwords of the runner's and the migrations' MariaDB users (the API's is in skannr.env), made once.
db_password() {
    local file="$RT/db-passwords"
    if [ ! -f "$file" ]; then
        ( umask 077; printf 'SCANNER_DB_PASSWORD=%s\nMIGRATE_DB_PASSWORD=%s\n' "$(random_b64 18 | tr '+/' '-_')" \
            "$(random_b64 18 | tr '+/' '-_')" >"$file" )
    fi
    grep -E "^$1=" "$file" | head -n1 | cut -d= -f2-
}

# Creates the application database and the migrations' user (ALL on it) once; migrate() then gives
# every user its own, smaller grants (scripts/create-db-users).
create_database() {
    local name=$1
    db_client <<SQL
CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'skannr_migrate'@'localhost' IDENTIFIED BY '$(db_password MIGRATE_DB_PASSWORD)';
GRANT ALL PRIVILEGES ON \`$name\`.* TO 'skannr_migrate'@'localhost';
SQL
}

# The API's user (rows only), the runner's (its tables, no secrets) and the migrations' (DDL).
grant_db_users() {
    [ "$(setting SKANNR_DB_USER)" = skannr ] || die "the stack's API database user must be 'skannr' (scripts/create-db-users)"
    API_DB_PASSWORD=$(setting SKANNR_DB_PASSWORD) SCANNER_DB_PASSWORD=$(db_password SCANNER_DB_PASSWORD) \
        MIGRATE_DB_PASSWORD=$(db_password MIGRATE_DB_PASSWORD) \
        "$PROJECT_DIR/scripts/create-db-users" --runtime "$RT" --database "$(setting SKANNR_DB_NAME)" \
        || die "cannot create the MariaDB users"
}

# --- configuration and TLS ---------------------------------------------------------------------
write_settings() {
    local file="$RT/skannr.env"
    [ -f "$file" ] && return 0
    umask 077
    cat >"$file" <<ENV
# Generated by scripts/lib/stack.sh for this runtime folder; secrets are random per stack.
SKANNR_DB_SOCKET=$RT/mysql.sock
SKANNR_DB_USER=skannr
SKANNR_DB_PASSWORD=$(random_b64 18 | tr '+/' '-_')
SKANNR_DB_NAME=skannr
SKANNR_ALLOW_PRIVATE_TARGETS=true
# The scan-runner connects only inside these networks (allowing private targets never widens this).
# Widen deliberately by listing a network you own, e.g. 127.0.0.0/8,::1/128,192.168.56.0/24.
SKANNR_SCANNER_ONLY_NETWORKS=$LOOPBACK_NETWORKS
# Likewise the notifier: webhooks and Slack URLs of this stack reach loopback receivers only.
SKANNR_NOTIFY_ONLY_NETWORKS=$LOOPBACK_NETWORKS
SKANNR_JWT_KEYS=k1:$(random_b64 32)
SKANNR_MFA_KEY=$(random_b64 32)
SKANNR_STRIPE_WEBHOOK_SECRET=whsec_$(random_b64 24 | tr -d '+/=')
SKANNR_METRICS_DIR=$RT/metrics
SKANNR_RATE_LIMIT_FILE=$RT/rate-limits
ENV
    umask 022
}

setting() { grep -E "^$1=" "$RT/skannr.env" | head -n1 | cut -d= -f2-; }

make_certificate() {
    mkdir -p "$RT/tls"
    [ -f "$RT/tls/cert.pem" ] && return 0
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -keyout "$RT/tls/key.pem" -out "$RT/tls/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"
}

# --- responder pool and scan-runner ----------------------------------------------------------
start_pool() {
    local workers=${SKANNR_WORKERS:-$(( 2 * $(nproc) ))}
    # A second pool would bind the socket path anew and leave the first one running unseen.
    if [ -f "$RT/api.pid" ] && kill -0 "$(cat "$RT/api.pid")" 2>/dev/null; then return 0; fi
    "$BIN_DIR/skannr-api" serve --socket "$RT/api.sock" --socket-group "$(api_socket_group)" --workers "$workers" --config "$RT/skannr.env" \
        >>"$RT/logs/api.log" 2>&1 &
    echo $! >"$RT/api.pid"
    for _ in $(seq 1 100); do [ -S "$RT/api.sock" ] && return 0; sleep 0.05; done
    die "the responder pool did not open $RT/api.sock: see $RT/logs/api.log"
}

stop_pool() { stop_pid_file "$RT/api.pid" 40; }

# The networks the stack's scan-runner may connect to: the environment's SKANNR_SCANNER_ONLY_NETWORKS,
# else the settings file's, else loopback. Never empty: an empty list would mean "anywhere".
scanner_networks() {
    local networks=${SKANNR_SCANNER_ONLY_NETWORKS:-}
    [ -n "$networks" ] || networks=$(setting SKANNR_SCANNER_ONLY_NETWORKS || true)
    printf '%s\n' "${networks:-$LOOPBACK_NETWORKS}"
}

start_scanner() {
    [ -x "$BIN_DIR/skannr-scanner" ] || return 0
    local networks
    networks=$(scanner_networks)
    log "scan-runner pinned to $networks (SKANNR_SCANNER_ONLY_NETWORKS in $RT/skannr.env widens it)"
    write_scanner_settings
    SKANNR_SCANNER_ONLY_NETWORKS=$networks "$BIN_DIR/skannr-scanner" run --config "$RT/scanner.env" >>"$RT/logs/scanner.log" 2>&1 &
    echo $! >"$RT/scanner.pid"
}

stop_scanner() { stop_pid_file "$RT/scanner.pid" 40; }

# The notification worker (skannr-notifier): delivers the outbox to webhooks, Slack and email.
start_notifier() {
    [ -x "$BIN_DIR/skannr-notifier" ] || return 0
    if [ -f "$RT/notifier.pid" ] && kill -0 "$(cat "$RT/notifier.pid")" 2>/dev/null; then return 0; fi
    "$BIN_DIR/skannr-notifier" --config "$RT/skannr.env" >>"$RT/logs/notifier.log" 2>&1 &
    echo $! >"$RT/notifier.pid"
}

stop_notifier() { stop_pid_file "$RT/notifier.pid" 40; }

# Migrations run as skannr_migrate (the only user with DDL rights), then the grants follow the schema.
migrate() {
    (cd "$PROJECT_DIR" && SKANNR_DB_USER=skannr_migrate SKANNR_DB_PASSWORD=$(db_password MIGRATE_DB_PASSWORD) \
        "$BIN_DIR/skannr-api" migrate --config "$RT/skannr.env" --directory "$PROJECT_DIR/sql/migrations") \
        >>"$RT/logs/migrate.log" 2>&1 || die "migrations failed: see $RT/logs/migrate.log"
    grant_db_users
}

# The runner's own settings: the stack's settings without the API's secrets (JWT keys, MFA key,
# Stripe) and with the runner's own database user. Rewritten at every start.
write_scanner_settings() {
    ( umask 077
      { grep -vE '^(SKANNR_JWT_KEYS|SKANNR_MFA_KEY|SKANNR_STRIPE_[A-Z_]*|SKANNR_DB_USER|SKANNR_DB_PASSWORD)(_FILE)?=' "$RT/skannr.env" || true
        echo "SKANNR_DB_USER=skannr_scanner"
        echo "SKANNR_DB_PASSWORD=$(db_password SCANNER_DB_PASSWORD)"
      } >"$RT/scanner.env.tmp" && mv "$RT/scanner.env.tmp" "$RT/scanner.env" )
}

# --- nginx ------------------------------------------------------------------------------------
render_nginx() {
    local prefix="$RT/nginx" workers=${SKANNR_WORKERS:-$(( 2 * $(nproc) ))}
    local nginx_workers=2 keepalive=$workers
    mkdir -p "$prefix/logs" "$prefix/tmp"
    cp "$PROJECT_DIR/nginx/skannr-fastcgi.conf" "$PROJECT_DIR/nginx/skannr-json-errors.conf" "$prefix/"
    # The loopback-only metrics port, kept for the life of the runtime folder (tests read metrics_port).
    [ -f "$RT/metrics_port" ] || free_port >"$RT/metrics_port"
    METRICS_PORT=$(cat "$RT/metrics_port")
    sed -e "s|@PREFIX@|$prefix|g" -e "s|@API_SOCKET@|$RT/api.sock|g" \
        -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
        -e "s|@TLS_CERT@|$RT/tls/cert.pem|g" -e "s|@TLS_KEY@|$RT/tls/key.pem|g" \
        -e "s|@NGINX_WORKERS@|$nginx_workers|g" -e "s|@UPSTREAM_KEEPALIVE@|$keepalive|g" \
        -e "s|@AUTH_RATE@|${SKANNR_NGINX_AUTH_RATE:-20}|g" -e "s|@AUTH_BURST@|${SKANNR_NGINX_AUTH_BURST:-40}|g" \
        -e "s|@API_RATE@|${SKANNR_NGINX_API_RATE:-100}|g" -e "s|@API_BURST@|${SKANNR_NGINX_API_BURST:-200}|g" \
        -e "s|@METRICS_PORT@|$METRICS_PORT|g" \
        -e "s|@NGINX_USER_LINE@|$([ "$(id -u)" = 0 ] && echo "user $NGINX_WORKER_USER $NGINX_WORKER_USER;")|g" \
        -e "s|@SERVER_NAME@|${SKANNR_SERVER_NAME:-localhost}|g" \
        -e "s|@CONN_PER_ADDRESS@|${SKANNR_NGINX_CONN_PER_ADDRESS:-64}|g" \
        -e "s|@WORKER_CONNECTIONS@|${SKANNR_NGINX_WORKER_CONNECTIONS:-8192}|g" \
        -e "s|@WORKER_RLIMIT_NOFILE@|$(( 2 * ${SKANNR_NGINX_WORKER_CONNECTIONS:-8192} ))|g" \
        -e "s|@EXTRA_SERVERS@|${NGINX_EXTRA_SERVERS:-}|g" \
        "$PROJECT_DIR/nginx/skannr.conf.template" >"$prefix/nginx.conf"
}

start_nginx() {
    render_nginx
    local prefix="$RT/nginx"
    nginx -t -q -p "$prefix" -c "$prefix/nginx.conf" 2>"$RT/logs/nginx-test.log" || die "nginx config invalid: $(cat "$RT/logs/nginx-test.log")"
    if [ -f "$prefix/nginx.pid" ] && kill -0 "$(cat "$prefix/nginx.pid")" 2>/dev/null; then
        nginx -p "$prefix" -c "$prefix/nginx.conf" -s reload
    else
        nginx -p "$prefix" -c "$prefix/nginx.conf" || die "nginx did not start: see $prefix/logs/nginx-error.log"
    fi
}

stop_nginx() { stop_pid_file "$RT/nginx/nginx.pid" 20; }

# --- processes --------------------------------------------------------------------------------
stop_pid_file() {
    local file=$1 seconds=${2:-20} pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 $(( seconds * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { log "pid $pid did not stop in ${seconds}s; killing"; kill -KILL "$pid" 2>/dev/null; }
    fi
    rm -f "$file"
}
