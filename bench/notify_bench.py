#!/usr/bin/env python3
"""Driver of scripts/bench-notify: writes alerts with their outbox rows (the rows NotificationOutbox
writes, one transaction per alert) straight into MariaDB through the mariadb CLI, runs skannr-notifier
and reads the receiver's log. Prints one figure line per phase; never fails on speed."""
import json, os, signal, statistics, subprocess, sys, time

RT, DB, BIN, LOG = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
USER, TARGET, SCAN = (int(x) for x in sys.argv[5:8])
CHANNELS = [int(x) for x in sys.argv[8].split(",")]
BACKLOG = int(os.environ.get("BACKLOG", "2000"))
RATE = float(os.environ.get("RATE", "50"))
DURATION = float(os.environ.get("DURATION", "10"))
CLIENT = ["mariadb", "--no-defaults", "-S", f"{RT}/mysql.sock", "-uroot", "-N", "-B", DB]
serial = [0]


def alert_sql(event_id, channel, port):
    serial[0] += 1
    payload = json.dumps({"created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "id": event_id, "type": "alert.opened",
                          "data": {"alert": {"id": serial[0], "target_id": TARGET, "scan_id": SCAN, "type": "new_port",
                                             "severity": "high", "host": "203.0.113.7", "port": port,
                                             "title": f"New open port {port} (rdp)", "details": {"service": "rdp"},
                                             "status": "open", "created_at": "2026-12-02T07:00:00Z",
                                             "acknowledged_at": None, "resolved_at": None}}}, sort_keys=True)
    quoted = payload.replace("\\", "\\\\").replace("'", "\\'")
    return (f"START TRANSACTION; INSERT INTO alerts (user_id, target_id, scan_id, type, severity, host, port, title, details, status, "
            f"dedupe_key, created_at) VALUES ({USER}, {TARGET}, {SCAN}, 'new_port', 'high', '203.0.113.7', {port}, "
            f"'New open port {port} (rdp)', '{{}}', 'open', 'bench:{event_id}', UTC_TIMESTAMP(6)); "
            f"INSERT INTO notification_deliveries (user_id, channel_id, event_id, event, payload, status, next_attempt_at, created_at) "
            f"VALUES ({USER}, {channel}, '{event_id}', 'alert.opened', '{quoted}', 'pending', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)); COMMIT;\n")


def received():
    try:
        with open(LOG) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = received()
        if predicate(rows):
            return rows
        time.sleep(0.1)
    return received()


def start_notifier():
    log = open(f"{RT}/logs/notifier.log", "a")
    return subprocess.Popen([f"{BIN}/skannr-notifier", "--config", f"{RT}/skannr.env"], stdout=log, stderr=log)


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def backlog(name, channels):
    """BACKLOG alerts written while no worker runs, then one worker drains them: alerts per second
    between the first and the last request received."""
    prefix = f"evt_{name}_"
    sql = "".join(alert_sql(f"{prefix}{n}", channels[n % len(channels)], 1 + n % 65535) for n in range(BACKLOG))
    subprocess.run(CLIENT, input=sql, text=True, check=True)
    worker = start_notifier()
    rows = wait_for(lambda r: sum(1 for x in r if x["headers"].get("skannr-event-id", "").startswith(prefix)) >= BACKLOG, 600)
    stop(worker)
    times = sorted(x["received"] for x in rows if x["headers"].get("skannr-event-id", "").startswith(prefix))
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else float("nan")
    print(f"FIGURE backlog {name}: {len(times)} of {BACKLOG} alerts over {len(channels)} channel(s) delivered, "
          f"{rate:.0f} alerts/s (one worker process)", flush=True)


def latency():
    """Alerts written one per transaction at RATE/s while the worker idles: delay from the writer's
    COMMIT to the receiver's arrival time (same host clock)."""
    worker = start_notifier()
    time.sleep(1.0)
    client = subprocess.Popen(CLIENT + ["--unbuffered"], stdin=subprocess.PIPE, text=True)
    written = {}
    count = int(RATE * DURATION)
    start = time.time()
    for n in range(count):
        target_time = start + n / RATE
        time.sleep(max(0.0, target_time - time.time()))
        event_id = f"evt_latency_{n}"
        client.stdin.write(alert_sql(event_id, CHANNELS[n % len(CHANNELS)], 1 + n))
        client.stdin.flush()
        written[event_id] = time.time()
    client.stdin.close()
    client.wait()
    rows = wait_for(lambda r: sum(1 for x in r if x["headers"].get("skannr-event-id", "").startswith("evt_latency_")) >= count, 120)
    stop(worker)
    delays = sorted((x["received"] - written[x["headers"]["skannr-event-id"]]) * 1000 for x in rows
                    if x["headers"].get("skannr-event-id", "") in written)
    if not delays:
        print("FIGURE latency: nothing arrived", flush=True)
        return
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"FIGURE latency: {len(delays)} alerts at {RATE:.0f}/s, alert written -> request received: "
          f"median {statistics.median(delays):.1f} ms, p99 {p99:.1f} ms, max {delays[-1]:.1f} ms", flush=True)


workers = []
_start = start_notifier


def start_notifier():
    process = _start()
    workers.append(process)
    return process


try:
    backlog("one_channel", CHANNELS[:1])
    backlog("ten_channels", CHANNELS)
    latency()
finally:
    for process in workers:
        if process.poll() is None:
            process.kill()
