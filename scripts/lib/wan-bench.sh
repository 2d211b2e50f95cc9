# The WAN bench (issue 14), used by scripts/wan-bench: a network namespace behind an emulated
# wide-area link (bench/wanlink.c between two TUN devices), hosts from 198.18.N.0/24 on the
# namespace's loopback (listeners, TLS and DNS from scripts/lib/wan-hosts.py, behaviours from nft).
# Traps: several benches may run at once; instance N is claimed with an atomic mkdir of
# $WAN_STATE_ROOT/N and owns 198.18.N.0/24 (hosts) and 198.19.N.0/24 (link ends). A blackhole
# route for 198.18.0.0/15 stays in the root namespace for good, so nothing in the range ever leaves
# through the default route. Every wait is bounded; down is safe to run twice.

WAN_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WAN_PROJECT_DIR=$(cd "$WAN_LIB_DIR/../.." && pwd)
WAN_STATE_ROOT=${WAN_STATE_ROOT:-/run/skannr-wan}
WAN_HOSTS_PY="$WAN_LIB_DIR/wan-hosts.py"
WAN_PYTHON=/usr/bin/python3
[ -x "$WAN_PYTHON" ] || WAN_PYTHON=python3
WAN_LINK_BIN="$WAN_PROJECT_DIR/.build/wanlink"

wan_log() { printf '[wan-bench] %s\n' "$*" >&2; }
wan_die() { wan_log "error: $*"; exit 1; }

wan_ns() { echo "skannr-wan-$1"; }
wan_dev() { echo "skwan$1"; }
wan_dir() { echo "$WAN_STATE_ROOT/$1"; }
wan_in_ns() { local n=$1; shift; ip netns exec "$(wan_ns "$n")" "$@"; }

wan_blackhole() {
    ip route show type blackhole 198.18.0.0/15 | grep -q . || ip route add blackhole 198.18.0.0/15
}

wan_build_link() {
    local src="$WAN_PROJECT_DIR/bench/wanlink.c"
    if [ ! -x "$WAN_LINK_BIN" ] || [ "$src" -nt "$WAN_LINK_BIN" ]; then
        mkdir -p "$(dirname "$WAN_LINK_BIN")"
        gcc -O2 -Wall -o "$WAN_LINK_BIN.tmp.$$" "$src" || wan_die "gcc bench/wanlink.c failed"
        mv -f "$WAN_LINK_BIN.tmp.$$" "$WAN_LINK_BIN"
    fi
}

# Claims the first free instance 1..99 (no namespace, no route, no state folder); prints N.
wan_claim_instance() {
    mkdir -p "$WAN_STATE_ROOT"
    local n
    for n in $(seq 1 99); do
        [ -e "/run/netns/$(wan_ns "$n")" ] && continue
        ip -o link show "$(wan_dev "$n")" >/dev/null 2>&1 && continue
        [ -n "$(ip route show 198.18.$n.0/24)" ] && continue
        [ -n "$(ip -o addr show to 198.19.$n.0/24)" ] && continue
        if mkdir "$WAN_STATE_ROOT/$n" 2>/dev/null; then echo "$n"; return 0; fi
    done
    wan_die "no free bench instance (99 in use?)"
}

# wan_wait SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds; fails after SECONDS.
wan_wait() {
    local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
    until "$@"; do
        [ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

wan_kill_pidfile() {   # TERM, up to 5 s, then KILL; only the pid we recorded
    local file=$1 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        wan_wait 5 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$file"
}

# --- link -----------------------------------------------------------------------------------
wan_link_start() {   # N, then wanlink's own flags (stored for status and restarts)
    local n=$1; shift
    local dir; dir=$(wan_dir "$n")
    printf '%s\n' "$*" >"$dir/link.args"
    "$WAN_LINK_BIN" --root-dev "$(wan_dev "$n")" --netns "/run/netns/$(wan_ns "$n")" --ns-dev wan0 "$@" \
        >"$dir/wanlink.log" 2>&1 </dev/null &
    echo $! >"$dir/wanlink.pid"
    wan_wait 5 grep -qs '^ready' "$dir/wanlink.log" || { cat "$dir/wanlink.log" >&2; wan_die "wanlink did not start"; }
}

wan_link_stop() {
    local dir; dir=$(wan_dir "$1")
    wan_kill_pidfile "$dir/wanlink.pid"
    [ -f "$dir/wanlink.log" ] && grep -E '^(out|back) ' "$dir/wanlink.log" >>"$dir/wanlink.counters" || true
}

wan_make_link() {   # devices, addresses and routes (persistent TUN devices keep them across restarts)
    local n=$1 ns dev
    ns=$(wan_ns "$n"); dev=$(wan_dev "$n")
    ip netns add "$ns"
    ip tuntap add dev "$dev" mode tun
    wan_in_ns "$n" ip tuntap add dev wan0 mode tun
    sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
    wan_in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
    # a scanner's burst must queue, not drop, before wanlink reads it (the bottleneck is wanlink's)
    ip link set "$dev" txqueuelen 20000
    wan_in_ns "$n" ip link set wan0 txqueuelen 20000
    ip addr add "198.19.$n.1/32" peer "198.19.$n.2/32" dev "$dev"
    ip link set "$dev" up
    wan_in_ns "$n" ip link set lo up
    wan_in_ns "$n" ip addr add "198.19.$n.2/32" peer "198.19.$n.1/32" dev wan0
    wan_in_ns "$n" ip link set wan0 up
    wan_in_ns "$n" ip route add default dev wan0
    # ICMP errors (admin-prohibited) are rate-limited per destination like a router's: kernel default
    # 1000 ms (1/s after a burst of 6); WAN_ICMP_RATELIMIT_MS=0 answers every probe
    [ -n "${WAN_ICMP_RATELIMIT_MS:-}" ] && wan_in_ns "$n" sysctl -qw "net.ipv4.icmp_ratelimit=$WAN_ICMP_RATELIMIT_MS"
    ip route replace "198.18.$n.0/24" dev "$dev" src "198.19.$n.1"
}

# --- hosts ----------------------------------------------------------------------------------
wan_nft_apply() {
    local n=$1
    "$WAN_PYTHON" "$WAN_HOSTS_PY" nft "$(wan_dir "$n")/truth.json" | wan_in_ns "$n" nft -f - \
        || wan_die "nft rules did not load in $(wan_ns "$n")"
}

wan_served_generation() { cut -d' ' -f1 "$(wan_dir "$1")/truth.json.served" 2>/dev/null || echo 0; }

wan_hosts_reload() {   # after an edit of truth.json: rules, then listeners (bounded wait for them)
    local n=$1 before
    wan_nft_apply "$n"
    before=$(wan_served_generation "$n")
    kill -HUP "$(cat "$(wan_dir "$n")/hosts.pid")" 2>/dev/null || wan_die "the hosts process is not running"
    wan_wait 10 bash -c "[ \"\$(cut -d' ' -f1 '$(wan_dir "$n")/truth.json.served')\" -gt $before ]" \
        || wan_die "the hosts process did not reload"
}

wan_make_hosts() {   # N SEED OPEN_COUNT SLOW_MS
    local n=$1 seed=$2 count=$3 slow=$4 dir last
    dir=$(wan_dir "$n")
    mkdir -p "$dir/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" -subj "/CN=tls.wan.test" \
        -addext "subjectAltName=DNS:tls.wan.test" >/dev/null 2>&1 || wan_die "openssl req failed"
    "$WAN_PYTHON" "$WAN_HOSTS_PY" plan "$n" "$seed" "$count" "$slow" "$dir/tls" \
        "$(wan_in_ns "$n" sysctl -n net.ipv4.icmp_ratelimit)" >"$dir/truth.json" \
        || wan_die "planning hosts failed"
    for last in 10 11 12 13 14 15 21 22 23 53; do
        wan_in_ns "$n" ip addr add "198.18.$n.$last/32" dev lo
    done
    wan_nft_apply "$n"
    # serve writes hosts.pid itself: `ip netns exec` may stay in between as its parent
    wan_in_ns "$n" "$WAN_PYTHON" "$WAN_HOSTS_PY" serve "$dir/truth.json" >"$dir/hosts.log" 2>&1 </dev/null &
    wan_wait 15 test -s "$dir/truth.json.served" -a -s "$dir/hosts.pid" || { cat "$dir/hosts.log" >&2; wan_die "the hosts process did not start"; }
}

wan_write_env() {
    local n=$1 dir; dir=$(wan_dir "$n")
    {
        echo "WAN_BENCH_INSTANCE=$n"
        echo "WAN_BENCH_NAMESPACE=$(wan_ns "$n")"
        echo "WAN_BENCH_DIR=$dir"
        echo "WAN_BENCH_TRUTH=$dir/truth.json"
        echo "WAN_BENCH_LINK=$(cat "$dir/link.args")"
        "$WAN_PYTHON" "$WAN_HOSTS_PY" env "$dir/truth.json"
    } >"$dir/env.tmp"
    mv -f "$dir/env.tmp" "$dir/env"
}

# --- up / down / status ---------------------------------------------------------------------
# wan_up SEED OPEN_COUNT SLOW_MS LINK_FLAGS...: prints the env file on stdout.
wan_up() {
    local seed=$1 count=$2 slow=$3; shift 3
    command -v nft >/dev/null && command -v gcc >/dev/null && command -v openssl >/dev/null \
        || wan_die "needs nft, gcc and openssl"
    [ -c /dev/net/tun ] || wan_die "/dev/net/tun is missing"
    wan_blackhole
    wan_build_link
    local n; n=$(wan_claim_instance) || exit 1
    # owner: the process that asked (a test runner, bench-scan, a shell); `down --stale` uses it
    echo "$PPID $(date -u +%FT%TZ) $WAN_PROJECT_DIR" >"$(wan_dir "$n")/owner"
    trap "wan_log 'up failed: removing instance $n'; wan_down $n" EXIT
    set -e
    wan_make_link "$n"
    wan_link_start "$n" "$@"
    wan_make_hosts "$n" "$seed" "$count" "$slow"
    wan_write_env "$n"
    set +e
    trap - EXIT
    wan_log "instance $n up: namespace $(wan_ns "$n"), link $(cat "$(wan_dir "$n")/link.args")"
    wan_log "ground truth: $(wan_dir "$n")/truth.json   env: $(wan_dir "$n")/env"
    cat "$(wan_dir "$n")/env"
}

wan_down() {
    local n=$1 dir ns pid
    dir=$(wan_dir "$n"); ns=$(wan_ns "$n")
    [[ "$n" =~ ^[0-9]+$ ]] || wan_die "not an instance number: $n"
    wan_kill_pidfile "$dir/hosts.pid"
    wan_link_stop "$n"
    if [ -e "/run/netns/$ns" ]; then
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null || true
    fi
    ip link del "$(wan_dev "$n")" 2>/dev/null || true
    ip route del "198.18.$n.0/24" 2>/dev/null || true
    rm -rf "$dir"
    wan_blackhole
}

wan_down_stale() {   # instances whose owner process is gone (a crashed test, a killed benchmark)
    local dir owner
    for dir in "$WAN_STATE_ROOT"/*/; do
        [ -d "$dir" ] || continue
        owner=$(cut -d' ' -f1 "$dir/owner" 2>/dev/null)
        if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then
            wan_log "removing stale instance $(basename "$dir") (owner ${owner:-unknown} is gone)"
            wan_down "$(basename "$dir")"
        fi
    done
}

wan_status() {
    wan_blackhole
    local dir n pid
    echo "blackhole: $(ip route show type blackhole 198.18.0.0/15)"
    for dir in "$WAN_STATE_ROOT"/*/; do
        [ -d "$dir" ] || continue
        n=$(basename "$dir")
        echo "instance $n: namespace $(wan_ns "$n") owner [$(cat "$dir/owner" 2>/dev/null)]"
        echo "  link: $(cat "$dir/link.args" 2>/dev/null)"
        pid=$(cat "$dir/wanlink.pid" 2>/dev/null)
        if [ -n "$pid" ] && kill -USR1 "$pid" 2>/dev/null; then
            sleep 0.2
            grep -E '^(out|back) ' "$dir/wanlink.log" | tail -2 | sed 's/^/  /'
        else
            echo "  wanlink: not running"
        fi
        pid=$(cat "$dir/hosts.pid" 2>/dev/null)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "  hosts: running, $(cut -d' ' -f2 "$dir/truth.json.served") listeners"
        else echo "  hosts: not running"; fi
        echo "  truth: $dir/truth.json  env: $dir/env"
    done
}

# wan_change N open|close ROLE PORT | down|up ROLE | link LINK_FLAGS...
wan_change() {
    local n=$1 action=$2; shift 2
    local dir; dir=$(wan_dir "$n")
    [ -f "$dir/truth.json" ] || wan_die "instance $n is not up"
    case "$action" in
        open|close) "$WAN_PYTHON" "$WAN_HOSTS_PY" edit "$dir/truth.json" "$action" "$1" "$2" || wan_die "edit failed"
                    wan_hosts_reload "$n" ;;
        down|up) "$WAN_PYTHON" "$WAN_HOSTS_PY" edit "$dir/truth.json" "$action" "$1" || wan_die "edit failed"
                 wan_hosts_reload "$n" ;;
        link) wan_build_link; wan_link_stop "$n"; wan_link_start "$n" "$@"; wan_write_env "$n" ;;
        *) wan_die "unknown change: $action" ;;
    esac
    wan_log "instance $n: $action $*"
}
