#!/usr/bin/env python3
"""The scenarios of scripts/multi-host against its stack (MULTI_HOST_RT): `run` triggers scans
through nginx, kill -9s a runner while it holds a scan, and checks from the database that every scan
completed exactly once with its results whole and no alert twice; `bench` prints scans per minute.
Traps: every check reads the database (not the API), so it stays true when scans are split into
work units later; every wait has a deadline; accounts are business (CIDR targets, custom ports)."""
import base64, hashlib, hmac, json, os, ssl, subprocess, sys, time, urllib.request, urllib.error

RT = os.environ["MULTI_HOST_RT"]
SCRIPT = os.environ["MULTI_HOST_SCRIPT"]
PORTS = "22080,22081,22443,23306,23001-23036"
TARGETS = "10.214.0.0/28"


def settings():
    values = {}
    for line in open(f"{RT}/skannr.env"):
        if "=" in line and not line.startswith("#"):
            key, value = line.rstrip("\n").split("=", 1)
            values.setdefault(key, value)
    return values


def sql(query):
    """Rows of a query as the MariaDB administrator over the stack's unix socket (tab-separated)."""
    out = subprocess.run(["mariadb", "--no-defaults", "-S", f"{RT}/mysql.sock", "-N", "-B", "skannr", "-e", query],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def one(query):
    rows = sql(query)
    return rows[0][0] if rows else None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(user_id, keys):
    kid, secret = keys.split(",")[0].strip().split(":", 1)
    now = int(time.time())
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    claims = {"sub": user_id, "plan": "business", "iat": now, "nbf": now, "exp": now + 3600, "iss": "skannr",
              "aud": "skannr-api", "typ": "access", "jti": b64url(os.urandom(16))}
    signing = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = hmac.new(base64.b64decode(secret + "=" * (-len(secret) % 4)), signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64url(signature)


class API:
    def __init__(self, bearer):
        self.base = f"https://localhost:{open(f'{RT}/https_port').read().strip()}/api/v1"
        self.context = ssl.create_default_context(cafile=f"{RT}/tls/cert.pem")
        self.bearer = bearer

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {self.bearer}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def control(*arguments):
    subprocess.run([SCRIPT, arguments[0], RT, *arguments[1:]], check=True)


def account(keys, name):
    user_id = int(sql(f"INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES "
                      f"('{name}', '{name}-{os.urandom(4).hex()}@multi-host.test', 'x', 'business', NOW(6), NOW(6)); "
                      "SELECT LAST_INSERT_ID()")[0][0])
    return user_id, API(token(user_id, keys))


def wait_for(condition, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"MULTI-HOST FAIL timed out after {seconds} s waiting for {what}")


def trigger(clients, targets):
    scans = []
    for target_id, client in targets:
        status, body = client.call("POST", f"/targets/{target_id}/scan")
        if status != 202:
            raise SystemExit(f"MULTI-HOST FAIL POST /targets/{target_id}/scan answered {status}: {body}")
        scans.append(int(body["id"]))
    return scans


def kill_mid_scan(runner, scans, seconds=60):
    """kill -9 runner `host-N` as soon as it holds one of `scans`; returns that scan's id."""
    listed = ",".join(map(str, scans))
    def holding(among):
        return one(f"SELECT id FROM scans WHERE id IN ({among}) AND status = 'running' AND lease_owner REGEXP '^host-{runner}[#/]' ORDER BY id LIMIT 1")
    held = wait_for(lambda: holding(listed), seconds, f"host-{runner} to hold a scan")
    time.sleep(2)   # into the scan (each takes ~6.5 s: SKANNR_SCANNER_RATE_PER_SCAN)
    if holding(held) != held:
        raise SystemExit(f"MULTI-HOST FAIL host-{runner} finished scan {held} before it could be killed (slow the scans down)")
    control("kill-runner", str(runner))
    return int(held)


def finished(scans):
    listed = ",".join(map(str, scans))
    return one(f"SELECT COUNT(*) FROM scans WHERE id IN ({listed}) AND status IN ('completed', 'failed', 'cancelled')") == str(len(scans))


def run(arguments):
    count = int(arguments[arguments.index("--targets") + 1]) if "--targets" in arguments else 9
    keys = settings()["SKANNR_JWT_KEYS"]
    # One account per target: every target is the same 16 namespace-local hosts (TARGET_NET).
    clients = [account(keys, f"mh{n}") for n in range(count)]
    targets = []
    for index in range(count):
        user_id, client = clients[index]
        status, body = client.call("POST", "/targets", {"address": TARGETS, "scan_profile": "custom", "ports": PORTS})
        if status != 201:
            raise SystemExit(f"MULTI-HOST FAIL POST /targets answered {status}: {body}")
        targets.append((int(body["id"]), client))
    control("close-extra")   # round 1 sees 3 open ports per host, round 2 one more (a new_port alert each)
    started = time.time()
    first = trigger(clients, targets)
    killed = [kill_mid_scan(2, first)]
    wait_for(lambda: finished(first), 240, "round 1 to finish")
    control("start-runner", "2")
    control("open-extra")
    second = trigger(clients, targets)
    killed.append(kill_mid_scan(1, second))
    wait_for(lambda: finished(second), 240, "round 2 to finish")
    control("start-runner", "1")
    elapsed = time.time() - started
    failures = check(first, second, killed, [t for t, _ in targets])
    pools = requests_per_pool()
    if min(pools) == 0:
        failures.append(f"one responder pool answered no request through nginx: {pools}")
    print(f"MULTI-HOST scans={len(first) + len(second)} targets={count} runners=3 killed={killed} seconds={elapsed:.1f} "
          f"attempts_of_killed={[one(f'SELECT attempts FROM scans WHERE id = {k}') for k in killed]} "
          f"completed_by={completions()} requests_per_pool={pools}")
    for failure in failures:
        print("MULTI-HOST FAIL " + failure)
    print("MULTI-HOST " + ("OK" if not failures else f"{len(failures)} FAILED"))
    return 1 if failures else 0


def requests_per_pool():
    """Requests nginx passed to each pool's socket (its upstream log: "$upstream_addr $status $request")."""
    counts = [0, 0]
    for line in open(f"{RT}/nginx/logs/nginx-upstream.log", errors="replace"):
        for pool in (1, 2):
            counts[pool - 1] += f"api-{pool}.sock" in line.split(" ", 1)[0]
    return counts


def completions():
    """Scans each runner completed, from its log ("scan completed" lines)."""
    counts = {}
    for n in (1, 2, 3):
        try:
            counts[f"host-{n}"] = sum('"event":"completed"' in line for line in open(f"{RT}/logs/runner-{n}.log", errors="replace"))
        except OSError:
            counts[f"host-{n}"] = 0
    return counts


def check(first, second, killed, target_ids):
    """Every assertion reads the database; each returns a sentence when it does not hold."""
    failures = []
    every = first + second
    listed = ",".join(map(str, every))
    bad = sql(f"SELECT id, status FROM scans WHERE id IN ({listed}) AND status <> 'completed'")
    if bad:
        failures.append(f"scans not completed: {bad}")
    # Exactly once: one completed scan per target per round, and no other scan row appeared.
    per_target = sql(f"SELECT target_id, COUNT(*) FROM scans WHERE target_id IN ({','.join(map(str, target_ids))}) GROUP BY target_id HAVING COUNT(*) <> 2")
    if per_target:
        failures.append(f"targets without exactly two scans: {per_target}")
    # Results whole, not doubled: one host row per address, the summary's counts equal the rows.
    mismatched = sql(f"""
        SELECT s.id, s.hosts_total, (SELECT COUNT(*) FROM scan_hosts h WHERE h.scan_id = s.id) AS hosts,
               s.open_ports, (SELECT COUNT(*) FROM port_results p WHERE p.scan_id = s.id AND p.state = 'open') AS ports,
               (SELECT COALESCE(SUM(open_count), 0) FROM scan_hosts h WHERE h.scan_id = s.id) AS counted
        FROM scans s WHERE s.id IN ({listed})
        HAVING hosts <> s.hosts_total OR ports <> s.open_ports OR ports <> counted OR hosts = 0""")
    if mismatched:
        failures.append(f"scans whose rows disagree with their summary (id, hosts_total, hosts, open_ports, ports, counted): {mismatched}")
    # Same ground truth in every namespace: round 1 finds 3 open ports per up host, round 2 finds 4.
    for round_scans, per_host in ((first, 3), (second, 4)):
        wrong = sql(f"""SELECT s.id, s.open_ports, (SELECT COUNT(*) FROM scan_hosts h WHERE h.scan_id = s.id AND h.state = 'up') AS up
                        FROM scans s WHERE s.id IN ({','.join(map(str, round_scans))}) HAVING s.open_ports <> up * {per_host} OR up = 0""")
        if wrong:
            failures.append(f"scans with other than {per_host} open ports per up host: {wrong}")
    for scan in killed:
        if int(one(f"SELECT attempts FROM scans WHERE id = {scan}") or 0) < 2:
            failures.append(f"scan {scan} was held by the killed runner but shows fewer than 2 attempts")
    # Alerts: never the same (target, type, host, port) twice; every up host of round 2 got its new port 22081.
    doubled = sql("SELECT target_id, type, host, port, COUNT(*) FROM alerts GROUP BY target_id, type, host, port HAVING COUNT(*) > 1")
    if doubled:
        failures.append(f"duplicated alerts: {doubled}")
    missing = sql(f"""SELECT s.target_id, COUNT(*) FROM scans s JOIN scan_hosts h ON h.scan_id = s.id AND h.state = 'up'
                      WHERE s.id IN ({','.join(map(str, second))})
                        AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.target_id = s.target_id AND a.type = 'new_port' AND a.host = h.host AND a.port = 22081)
                      GROUP BY s.target_id""")
    if missing:
        failures.append(f"targets with up hosts missing their new_port 22081 alert: {missing}")
    outbox = sql("SELECT alert_id, channel_id, COUNT(*) FROM notification_deliveries GROUP BY alert_id, channel_id HAVING COUNT(*) > 1") \
        if one("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='skannr' AND TABLE_NAME='notification_deliveries' AND COLUMN_NAME='alert_id'") == "1" else []
    if outbox:
        failures.append(f"duplicated notification deliveries: {outbox}")
    return failures


def option(arguments, name, default):
    return arguments[arguments.index(name) + 1] if name in arguments else default


def bench(arguments):
    """Scans per minute: `--scans` targets (the `--addresses` in turn, one account per round of
    them, so no account holds the same address twice) triggered at once, timed until the last ends."""
    count = int(option(arguments, "--scans", "30"))
    addresses = option(arguments, "--addresses", TARGETS).split(",")
    profile = option(arguments, "--profile", "custom")
    tag = option(arguments, "--tag", "bench")
    keys = settings()["SKANNR_JWT_KEYS"]
    targets, client = [], None
    for index in range(count):
        if index % len(addresses) == 0:
            _, client = account(keys, f"{tag}-{index}")
        body = {"address": addresses[index % len(addresses)], "scan_profile": profile}
        if profile == "custom":
            body["ports"] = PORTS
        status, answer = client.call("POST", "/targets", body)
        if status != 201:
            raise SystemExit(f"bench: POST /targets answered {status}: {answer}")
        targets.append((int(answer["id"]), client))
    started = time.time()
    scans = trigger(None, targets)
    wait_for(lambda: finished(scans), 900, "the bench scans")
    elapsed = time.time() - started
    listed = ",".join(map(str, scans))
    outcome = sql(f"SELECT status, COUNT(*) FROM scans WHERE id IN ({listed}) GROUP BY status")
    print(f"MULTI-HOST-BENCH scans={count} seconds={elapsed:.1f} scans_per_minute={count * 60 / elapsed:.1f} outcome={outcome}")
    return 0


if __name__ == "__main__":
    sys.exit({"run": run, "bench": bench}[sys.argv[1]](sys.argv[2:]))
