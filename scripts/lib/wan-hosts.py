#!/usr/bin/python3
"""wan-hosts: the WAN bench's hosts, for scripts/lib/wan-bench.sh. Subcommands:
  plan INSTANCE SEED OPEN_COUNT DNS_SLOW_MS CERT_DIR ICMP_RATELIMIT_MS     print the ground truth (JSON) of a new bench
  nft TRUTH                                            print the namespace's nft ruleset for a truth
  edit TRUTH open ROLE PORT | close ROLE PORT | down ROLE | up ROLE     change the truth in place
  env TRUTH                                            print WAN_BENCH_* lines (addresses of every role)
  state TRUTH ROLE PORT                                print the state a port must have
  serve TRUTH                                          run every listener + the DNS server (in the
                                                       namespace); SIGHUP re-reads TRUTH
Traps: serve binds to addresses on the namespace's loopback, which must exist first; a listener
accepts and closes at once (a full accept queue would look filtered); TLS handshakes are
non-blocking in the same loop; the DNS server answers UDP only.
"""
import heapq, json, os, random, resource, selectors, signal, socket, ssl, struct, sys, time

ROLES = {"closed": 10, "dropping": 11, "prohibited": 12, "rstlimit": 13, "tarpit": 14, "tls": 15,
         "rotate1": 21, "rotate2": 22, "rotate3": 23}
DEAD = [200, 201, 202, 203]
DNS_HOST, TARPIT_PORT, PORT_RANGE, ZONE = 53, 65000, 10000, "wan.test"


def plan(instance, seed, open_count, slow_ms, cert_dir, icmp_ratelimit_ms):
    rng = random.Random(seed)
    addr = lambda last: "198.18.%d.%d" % (instance, last)
    common = sorted(rng.sample(range(1, PORT_RANGE + 1), open_count))
    hosts = {}
    for role, last in ROLES.items():
        host = dict(role=role, address=addr(last), open=[], filtered=[], default="closed", down=False)
        if role in ("closed", "dropping") or role.startswith("rotate"):
            host["open"] = list(common)
        if role == "dropping":
            host["default"] = "filtered"
        if role == "prohibited":
            host["filtered"] = [[1, 1024]]
            host["open"] = sorted(rng.sample(range(1025, PORT_RANGE + 1), 5))
            host["icmp"] = "admin-prohibited"
            host["icmp_ratelimit_ms"] = icmp_ratelimit_ms   # most of 1-1024 is silent unless 0
        if role == "rstlimit":
            host["open"] = sorted(rng.sample(range(1, PORT_RANGE + 1), 10))
            host["rst_limit_per_second"] = 50
        if role == "tarpit":
            # real listeners on the benchmarked range; NAT only above it (a DNAT of many ports to one
            # listener drops SYNs whose translated 4-tuples clash, so some ports would look filtered)
            host["default"], host["open"], host["listener_port"] = "open", [], TARPIT_PORT
            host["listen_range"] = [1, PORT_RANGE]
        if role == "tls":
            host["open"] = sorted(rng.sample(range(1, PORT_RANGE + 1), open_count))
            host["tls"] = True
        hosts[role] = host
    rotating = [hosts[r]["address"] for r in ("rotate1", "rotate2", "rotate3")]
    names = {"%s.%s" % (r, ZONE): [h["address"]] for r, h in hosts.items()}
    return dict(
        instance=instance, seed=seed, port_range=[1, PORT_RANGE],
        networks=["198.18.%d.0/24" % instance], scanner_source="198.19.%d.1" % instance,
        hosts=hosts, dead=[addr(d) for d in DEAD],
        dns=dict(server=addr(DNS_HOST), port=53, zone=ZONE, names=names,
                 rotating="rotate.%s" % ZONE, rotating_addresses=rotating, rotating_all="rotate-all.%s" % ZONE,
                 slow="slow.%s" % ZONE, slow_delay_ms=slow_ms, slow_address=hosts["closed"]["address"],
                 failing="fail.%s" % ZONE),
        tls=dict(cert=os.path.join(cert_dir, "cert.pem"), key=os.path.join(cert_dir, "key.pem")))


def port_state(host, port):
    if host.get("down"):
        return "filtered"
    if port in host["open"]:
        return "open"
    if any(lo <= port <= hi for lo, hi in host["filtered"]):
        return "filtered"
    return host["default"]


def ports(values):
    return ", ".join(map(str, values)) or "0"


def nft_rules(truth):
    h = truth["hosts"]
    down = [x["address"] for x in h.values() if x["down"]] + truth["dead"]
    pro, rst, tar, drop = h["prohibited"], h["rstlimit"], h["tarpit"], h["dropping"]
    return """table inet skannr_wan {}
delete table inet skannr_wan
table inet skannr_wan {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr { %s } drop
    ip daddr %s tcp dport != { %s } drop
    ip daddr %s tcp dport 1-1024 tcp dport != { %s } reject with icmp type admin-prohibited
  }
  chain output {
    type filter hook output priority 0; policy accept;
    ip saddr { %s } drop
    ip saddr %s tcp flags & rst == rst limit rate over %d/second drop
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    ip daddr %s tcp dport > %d tcp dport != %d dnat ip to %s:%d
  }
}
""" % (", ".join(down), drop["address"], ports(drop["open"]), pro["address"], ports(pro["open"]),
       ", ".join(down), rst["address"], rst["rst_limit_per_second"],
       tar["address"], tar["listen_range"][1], TARPIT_PORT, tar["address"], TARPIT_PORT)


def env_lines(truth):
    out = {"WAN_BENCH_NETWORKS": ",".join(truth["networks"]), "WAN_BENCH_SOURCE": truth["scanner_source"],
           "WAN_BENCH_DEAD": ",".join(truth["dead"]), "WAN_BENCH_DNS_SERVER": truth["dns"]["server"],
           "WAN_BENCH_DNS_PORT": str(truth["dns"]["port"]), "WAN_BENCH_TLS_CERT": truth["tls"]["cert"]}
    for role, host in truth["hosts"].items():
        out["WAN_BENCH_%s" % role.upper()] = host["address"]
    return "".join("%s=%s\n" % kv for kv in out.items())


def edit(path, action, role, port=None):
    with open(path) as f:
        truth = json.load(f)
    host = truth["hosts"][role]
    if action == "open" and port not in host["open"]:
        host["open"] = sorted(host["open"] + [port])
    elif action == "close" and port in host["open"]:
        host["open"].remove(port)
    elif action in ("down", "up"):
        host["down"] = action == "down"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=1)
    os.replace(tmp, path)


# --- serve: listeners (plain, TLS, tarpit) and DNS ------------------------------------------------

class Server:
    def __init__(self, truth_path):
        self.truth_path, self.sel = truth_path, selectors.DefaultSelector()
        self.listeners, self.pending = {}, {}   # (addr, port) -> socket; socket -> (ssl socket, deadline)
        self.reload_requested, self.stop, self.timers, self.rotation = True, False, [], 0
        self.generation = 0

    def reload(self):
        with open(self.truth_path) as f:
            self.truth = json.load(f)
        wanted = {}
        for host in self.truth["hosts"].values():
            plist = list(host["open"])
            if "listen_range" in host:
                plist += list(range(host["listen_range"][0], host["listen_range"][1] + 1)) + [host["listener_port"]]
            for p in plist:
                wanted[(host["address"], p)] = bool(host.get("tls"))
        if not hasattr(self, "tls_ctx"):
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_ctx.load_cert_chain(self.truth["tls"]["cert"], self.truth["tls"]["key"])
            self.open_dns()
        for key in [k for k in self.listeners if k not in wanted]:
            s = self.listeners.pop(key)
            self.sel.unregister(s)
            s.close()
        for key, tls in wanted.items():
            if key not in self.listeners:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(key)
                s.listen(1024)
                s.setblocking(False)
                self.listeners[key] = s
                self.sel.register(s, selectors.EVENT_READ, ("tls" if tls else "plain", s))
        self.generation += 1
        gen_path = self.truth_path + ".served"
        with open(gen_path + ".tmp", "w") as f:
            f.write("%d %d\n" % (self.generation, len(self.listeners)))
        os.replace(gen_path + ".tmp", gen_path)

    def open_dns(self):
        dns = self.truth["dns"]
        self.dns_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.dns_sock.bind((dns["server"], dns["port"]))
        self.dns_sock.setblocking(False)
        self.sel.register(self.dns_sock, selectors.EVENT_READ, ("dns", self.dns_sock))

    def accept(self, kind, s):
        for _ in range(256):
            try:
                conn, _ = s.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if kind == "plain":
                conn.close()
                continue
            conn.setblocking(False)
            tls = self.tls_ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            self.pending[tls] = time.monotonic() + 10
            self.sel.register(tls, selectors.EVENT_READ, ("handshake", tls))
            self.handshake(tls)

    def handshake(self, tls):
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            self.sel.modify(tls, selectors.EVENT_READ, ("handshake", tls))
            return
        except ssl.SSLWantWriteError:
            self.sel.modify(tls, selectors.EVENT_WRITE, ("handshake", tls))
            return
        except (ssl.SSLError, OSError):
            pass
        self.drop(tls)

    def drop(self, tls):
        self.pending.pop(tls, None)
        try:
            self.sel.unregister(tls)
        except (KeyError, ValueError):
            pass
        tls.close()

    def dns(self):
        for _ in range(256):
            try:
                query, peer = self.dns_sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            answer, delay = self.dns_answer(query)
            if answer is None:
                continue
            if delay:
                heapq.heappush(self.timers, (time.monotonic() + delay, id(answer), answer, peer))
            else:
                self.dns_send(answer, peer)

    def dns_send(self, answer, peer):
        try:
            self.dns_sock.sendto(answer, peer)
        except OSError:
            pass

    def dns_answer(self, q):
        if len(q) < 12:
            return None, 0
        qid, flags, qdcount = struct.unpack(">HHH", q[:6])
        if qdcount != 1:
            return None, 0
        labels, i = [], 12
        while i < len(q) and q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace").lower())
            i += 1 + q[i]
        if i + 5 > len(q):
            return None, 0
        question = q[12:i + 5]
        qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
        name, dns = ".".join(labels), self.truth["dns"]
        rd = flags & 0x0100
        rcode, addrs, delay = 0, [], 0
        if name == dns["failing"]:
            rcode = 2
        elif name == dns["rotating"]:
            addrs = [dns["rotating_addresses"][self.rotation % len(dns["rotating_addresses"])]]
            self.rotation += qtype == 1
        elif name == dns["rotating_all"]:
            a = dns["rotating_addresses"]
            k = self.rotation % len(a)
            addrs = a[k:] + a[:k]
            self.rotation += qtype == 1
        elif name == dns["slow"]:
            addrs, delay = [dns["slow_address"]], dns["slow_delay_ms"] / 1000
        elif name in dns["names"]:
            addrs = dns["names"][name]
        elif name == dns["zone"] or name.endswith("." + dns["zone"]):
            rcode = 3
        else:
            rcode = 5
        if qtype != 1:
            addrs = []
        header = struct.pack(">HHHHHH", qid, 0x8000 | 0x0400 | rd | rcode, 1, len(addrs), 0, 0)
        body = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) + socket.inet_aton(a) for a in addrs)
        return header + question + body, delay

    def serve(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)   # ~11,500 listeners + connections
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
        pid_path = os.path.join(os.path.dirname(self.truth_path), "hosts.pid")   # ours, not a wrapper's
        with open(pid_path + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(pid_path + ".tmp", pid_path)
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, "reload_requested", True))
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop", True))
        while not self.stop:
            if self.reload_requested:
                self.reload_requested = False
                self.reload()
            now = time.monotonic()
            wait = 0.2 if not self.timers else max(0, min(0.2, self.timers[0][0] - now))
            for key, events in self.sel.select(wait):
                kind, s = key.data
                if kind in ("plain", "tls"):
                    self.accept(kind, s)
                elif kind == "handshake":
                    self.handshake(s)
                elif kind == "dns":
                    self.dns()
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                _, _, answer, peer = heapq.heappop(self.timers)
                self.dns_send(answer, peer)
            for tls in [t for t, deadline in self.pending.items() if deadline < now]:
                self.drop(tls)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "plan":
        print(json.dumps(plan(int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), argv[6], int(argv[7])), indent=1))
    elif cmd == "nft":
        with open(argv[2]) as f:
            sys.stdout.write(nft_rules(json.load(f)))
    elif cmd == "edit":
        edit(argv[2], argv[3], argv[4], int(argv[5]) if len(argv) > 5 else None)
    elif cmd == "env":
        with open(argv[2]) as f:
            sys.stdout.write(env_lines(json.load(f)))
    elif cmd == "state":
        with open(argv[2]) as f:
            print(port_state(json.load(f)["hosts"][argv[3]], int(argv[4])))
    elif cmd == "serve":
        Server(argv[2]).serve()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
