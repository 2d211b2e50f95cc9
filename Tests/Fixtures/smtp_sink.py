#!/usr/bin/env python3
"""A minimal SMTP server for tests (no smtpd, no PyPI): 127.0.0.1:--port, accepts every message
and writes it to --dir as <n>.eml (the DATA, dot-unstuffed) and <n>.json ({"from", "to": [...]}).
It offers no STARTTLS, so the notifier's "STARTTLS when offered" sends in the clear here."""
import argparse, json, os, socketserver, threading

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--dir", required=True)
args = parser.parse_args()
lock = threading.Lock()
counter = [0]


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 localhost skannr test sink")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = []
                while True:
                    raw = self.rfile.readline()
                    if not raw or raw in (b".\r\n", b".\n"):
                        break
                    data.append(raw[1:] if raw.startswith(b"..") else raw)
                with lock:
                    counter[0] += 1
                    n = counter[0]
                base = os.path.join(args.dir, str(n))
                with open(base + ".eml", "wb") as f:
                    f.write(b"".join(data))
                with open(base + ".json", "w") as f:
                    json.dump({"from": sender, "to": recipients}, f)
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", args.port), Handler).serve_forever()
