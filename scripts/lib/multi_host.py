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
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines()]


def one(query):
    rows = sql(query)
    return rows[0][0] if rows else None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(user_id, keys, plan="business"):
    kid, secret = keys.split(",")[0].strip().split(":", 1)
    now = int(time.time())
    header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
    claims = {"sub": user_id, "plan": plan, "iat": now, "nbf": now, "exp": now + 3600, "iss": "skannr",
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
    subprocess.run([SCRIPT, arguments[0], RT, *arguments[1:]], check=True, timeout=120)


def account(keys, name, plan="business"):
    user_id = int(sql(f"INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES "
                      f"('{name}', '{name}-{os.urandom(4).hex()}@multi-host.test', 'x', '{plan}', NOW(6), NOW(6)); "
                      "SELECT LAST_INSERT_ID()")[0][0])
    return user_id, API(token(user_id, keys, plan))


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
    fair = fairness_round(keys)
    elapsed = time.time() - started
    failures = check(first, second, killed, [t for t, _ in targets])
    failures += check_units_and_once(first + second + fair["backlog"] + [fair["free"]], killed)
    failures += check_fairness(fair)
    pools = requests_per_pool()
    if min(pools) == 0:
        failures.append(f"one responder pool answered no request through nginx: {pools}")
    print(f"MULTI-HOST scans={len(first) + len(second)} targets={count} runners=3 killed={killed} seconds={elapsed:.1f} "
          f"attempts_of_killed={[one(f'SELECT attempts FROM scans WHERE id = {k}') for k in killed]} "
          f"completed_by={completions()} requests_per_pool={pools} free_waited_s={fair.get('waited')} "
          f"backlog_started_while_free_waited={fair.get('jumped')} backlog_started_after_free_queued={fair.get('behind')}")
    for failure in failures:
        print("MULTI-HOST FAIL " + failure)
    print("MULTI-HOST " + ("OK" if not failures else f"{len(failures)} FAILED"))
    return 1 if failures else 0


# Fairness behind a backlog: 9 scans of one business account (every CIDR of 10.214.0.0/28 down to
# /31s, so no address twice) are queued, then one free account's scan. 3 runners x 1 slot hold 3 of
# them; first come, first served would start the other 6 before the free one. Fair claiming (fewest
# running per plan weight) must start the free scan at the next claim: at most FAIR_JUMP_BOUND backlog
# scans may start between its queueing and its start (claims already in flight, one per runner slot).
FAIR_BACKLOG = ["10.214.0.0/28", "10.214.0.0/29", "10.214.0.8/29", "10.214.0.0/30", "10.214.0.4/30",
                "10.214.0.8/30", "10.214.0.12/30", "10.214.0.0/31", "10.214.0.2/31"]
FAIR_JUMP_BOUND = 3
# MULTI_HOST_FAIR_RUNNERS=1: the round with host-1 alone (hosts 2 and 3 stopped), one slot: the case
# where the backlog's account has 0 running whenever the slot frees (docs/scale.md, "Fairness").
FAIR_RUNNERS = int(os.environ.get("MULTI_HOST_FAIR_RUNNERS", "1"))


def fairness_round(keys):
    for n in range(FAIR_RUNNERS + 1, 4):
        control("stop-runner", str(n))
    try:
        return fairness_scans(keys)
    finally:
        for n in range(FAIR_RUNNERS + 1, 4):
            control("start-runner", str(n))


def fairness_scans(keys):
    _, business = account(keys, "mh-backlog")
    _, free = account(keys, "mh-free", plan="free")
    targets = []
    for address, client in [(a, business) for a in FAIR_BACKLOG] + [("10.214.0.14", free)]:
        status, body = client.call("POST", "/targets", {"address": address, "scan_profile": "custom", "ports": PORTS})
        if status != 201:
            raise SystemExit(f"MULTI-HOST FAIL POST /targets {address} answered {status}: {body}")
        targets.append((int(body["id"]), client))
    backlog = trigger(None, targets[:-1])
    free_scan = trigger(None, targets[-1:])[0]
    wait_for(lambda: finished(backlog + [free_scan]), 120, "the fairness round to finish")
    waited = one(f"SELECT TIMESTAMPDIFF(MICROSECOND, created_at, started_at) / 1e6 FROM scans WHERE id = {free_scan}")
    listed = ",".join(map(str, backlog))
    jumped = int(one(f"""SELECT COUNT(*) FROM scans b, scans f WHERE f.id = {free_scan} AND b.id IN ({listed})
                           AND b.started_at > f.created_at AND b.started_at < f.started_at"""))
    pending_behind = int(one(f"""SELECT COUNT(*) FROM scans b, scans f WHERE f.id = {free_scan} AND b.id IN ({listed})
                                   AND b.started_at > f.created_at"""))
    return {"backlog": backlog, "free": free_scan, "waited": waited, "jumped": jumped, "behind": pending_behind}


def check_fairness(fair):
    failures = []
    bound = min(FAIR_JUMP_BOUND, FAIR_RUNNERS)
    if fair["behind"] <= bound:
        failures.append(f"the fairness round had no real backlog: only {fair['behind']} backlog scans started after the free one was queued (bound {bound})")
    if fair["jumped"] > bound:
        failures.append(f"{fair['jumped']} backlog scans started while the free scan {fair['free']} waited (bound {bound})")
    last = one(f"SELECT MAX(finished_at) > (SELECT started_at FROM scans WHERE id = {fair['free']}) FROM scans WHERE id IN ({','.join(map(str, fair['backlog']))})")
    if last != "1":
        failures.append(f"the free scan {fair['free']} did not start before the business backlog finished")
    return failures


def check_units_and_once(every, killed):
    """Work units: none left after completion, every unit done; no (scan, host, port) twice; each
    scan completed once (one "completed" event in all runner logs) with 1 attempt, 2 if killed."""
    failures = []
    listed = ",".join(map(str, every))
    left = sql(f"SELECT u.scan_id, COUNT(*) FROM scan_units u JOIN scans s ON s.id = u.scan_id "
               f"WHERE u.scan_id IN ({listed}) AND s.status = 'completed' GROUP BY u.scan_id")
    if left:
        failures.append(f"completed scans with scan_units rows left (scan, rows): {left}")
    undone = sql(f"SELECT id, units_total, units_done FROM scans WHERE id IN ({listed}) AND (units_total IS NULL OR units_done <> units_total)")
    if undone:
        failures.append(f"completed scans whose units_done differs from units_total (id, total, done): {undone}")
    doubled = sql(f"SELECT scan_id, host, port, COUNT(*) FROM port_results WHERE scan_id IN ({listed}) GROUP BY scan_id, host, port HAVING COUNT(*) > 1")
    if doubled:
        failures.append(f"port results stored twice (scan, host, port, n): {doubled}")
    wrong = sql(f"SELECT id, attempts FROM scans WHERE id IN ({listed}) AND attempts <> IF(id IN ({','.join(map(str, killed))}), 2, 1)")
    if wrong:
        failures.append(f"scans with other attempts than 1 (2 when their runner was killed) (id, attempts): {wrong}")
    events = completed_events()
    once = {scan: events.get(scan, 0) for scan in every if events.get(scan, 0) != 1}
    if once:
        failures.append(f"scans not completed exactly once by the runners' logs (scan: completions): {once}")
    return failures


def completed_events():
    """Per scan id, how many "completed" events the runners logged (one JSON line each)."""
    counts = {}
    for n in (1, 2, 3):
        try:
            lines = open(f"{RT}/logs/runner-{n}.log", errors="replace").readlines()
        except OSError:
            continue
        for line in lines:
            if '"event":"completed"' in line:
                try:
                    scan = int(json.loads(line).get("scan_id", "0"))
                except (ValueError, AttributeError):
                    continue
                counts[scan] = counts.get(scan, 0) + 1
    return counts


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
    units = int(one(f"SELECT COALESCE(SUM(units_total), 0) FROM scans WHERE id IN ({listed}) AND status = 'completed'"))
    print(f"MULTI-HOST-BENCH scans={count} seconds={elapsed:.1f} scans_per_minute={count * 60 / elapsed:.1f} "
          f"units={units} units_per_minute={units * 60 / elapsed:.1f} outcome={outcome}")
    return 0


def dead_addresses(prefix, count):
    """`count` distinct target strings of addresses nothing answers for in the WAN bench's /24
    (its live hosts are .10-.15, .21-.23, .53): /32s of .100-.254, then /31s and /30s of them."""
    singles = [f"{prefix}.{last}" for last in range(100, 255)]
    pairs = [f"{prefix}.{last}/31" for last in range(100, 254, 2)]
    quads = [f"{prefix}.{last}/30" for last in range(100, 252, 4)]
    return (singles + pairs + quads)[:count]


def fairness(arguments):
    """The fairness bar: `--backlog` quick-profile scans of dead hosts queued by one business
    account, then one free account's scan; prints how long the free scan waited (started_at -
    created_at, from the database) and took, and how far the backlog had got by then. Bounded:
    returns when the free scan has finished or after `--seconds`; the caller stops the runner and
    `cleanup` cancels what is left."""
    backlog = int(option(arguments, "--backlog", "250"))
    prefix = option(arguments, "--prefix", "198.18.1")
    bound = float(option(arguments, "--seconds", "120"))
    tag = option(arguments, "--tag", "fair")
    keys = settings()["SKANNR_JWT_KEYS"]
    business_id, business = account(keys, f"{tag}-business")
    free_id, free = account(keys, f"{tag}-free", plan="free")
    targets = []
    for address in dead_addresses(prefix, backlog):
        status, answer = business.call("POST", "/targets", {"address": address, "scan_profile": "quick"})
        if status != 201:
            raise SystemExit(f"fairness: POST /targets {address} answered {status}: {answer}")
        targets.append((int(answer["id"]), business))
    status, answer = free.call("POST", "/targets", {"address": f"{prefix}.99", "scan_profile": "quick"})
    if status != 201:
        raise SystemExit(f"fairness: free POST /targets answered {status}: {answer}")
    queued = time.time()
    backlog_scans = trigger(None, targets)
    free_scan = trigger(None, [(int(answer["id"]), free)])[0]
    deadline = time.time() + bound
    while time.time() < deadline and not finished([free_scan]):
        time.sleep(0.2)
    row = sql(f"""SELECT status, TIMESTAMPDIFF(MICROSECOND, created_at, started_at) / 1e6,
                         TIMESTAMPDIFF(MICROSECOND, created_at, finished_at) / 1e6, attempts
                  FROM scans WHERE id = {free_scan}""")[0]
    listed = ",".join(map(str, backlog_scans))
    ahead = one(f"SELECT COUNT(*) FROM scans WHERE id IN ({listed}) AND started_at IS NOT NULL AND started_at <= "
                f"COALESCE((SELECT started_at FROM scans WHERE id = {free_scan}), NOW(6))")
    done = one(f"SELECT COUNT(*) FROM scans WHERE id IN ({listed}) AND status = 'completed'")
    print(f"FAIRNESS backlog={backlog} free_scan={free_scan} free_status={row[0]} waited_s={row[1]} "
          f"finished_after_s={row[2]} backlog_started_before_free={ahead} backlog_completed_by_then={done} "
          f"queueing_s={time.time() - queued:.1f}")
    return 0 if row[0] == "completed" else 1


def cancel_unfinished(arguments):
    """Cleanup after `fairness` (runner stopped): every scan still pending or running is cancelled
    and its units dropped, so the next round starts from an empty queue."""
    sql("DELETE u FROM scan_units u JOIN scans s ON s.id = u.scan_id WHERE s.status IN ('pending', 'running'); "
        "UPDATE scans SET status = 'cancelled', finished_at = NOW(6), lease_owner = NULL, lease_expires_at = NULL "
        "WHERE status IN ('pending', 'running')")
    return 0


def units(arguments):
    """Scans and work units completed among `--since-id` and later scans (units: scans.units_total)."""
    since = int(option(arguments, "--since-id", "0"))
    row = sql(f"SELECT COUNT(*), COALESCE(SUM(units_total), 0) FROM scans WHERE id >= {since} AND status = 'completed'")[0]
    print(f"units={row[1]} scans={row[0]}")
    return 0


if __name__ == "__main__":
    sys.exit({"run": run, "bench": bench, "fairness": fairness, "cancel-unfinished": cancel_unfinished, "units": units}[sys.argv[1]](sys.argv[2:]))
