#!/usr/bin/env python3
"""A webhook receiver for tests and scripts/bench-notify: HTTPS (or plain HTTP without --cert) on
127.0.0.1, answers POSTs with the statuses given (the last one repeats), and appends one JSON line
per request to --log: {"received": unix seconds (float), "path", "headers" (lowercased), "body"}."""
import argparse, json, socket, ssl, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--statuses", default="200")
parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering")
args = parser.parse_args()
statuses = [int(s) for s in args.statuses.split(",")]
lock = threading.Lock()
count = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle + the client's delayed
        # ACK hold every answer ~40 ms (the receiver, not the sender, would set the benchmark's pace).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def do_POST(self):
        received = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            status = statuses[min(count[0], len(statuses) - 1)]
            count[0] += 1
            with open(args.log, "a") as log:
                log.write(json.dumps({"received": received, "path": self.path,
                                      "headers": {k.lower(): v for k, v in self.headers.items()},
                                      "body": body.decode("utf-8", "replace")}) + "\n")
        if args.delay:
            time.sleep(args.delay)
        answer = b'{"ok":true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_):
        pass


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
if args.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
