#!/usr/bin/env python3
"""Holds N TLS connections to nginx, each with a request whose body never comes (so nginx counts it
in limit_conn), from source address SRC, then sends one complete request from the same address and
prints its status line. Used by NginxShieldTests (issue 16 #12). Everything closes within seconds.

usage: hold_connections.py HOST PORT SRC N PATH [WAIT_FOR_STATUS]
With WAIT_FOR_STATUS, the probe is repeated (up to 20 times, 0.25 s apart) until it gets that status:
nginx counts a held request only once it has read its headers, which a loaded machine delays.
"""
import socket, ssl, sys, time

host, port, source, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
wait_for = sys.argv[6] if len(sys.argv) > 6 else None
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
family = socket.AF_INET6 if ":" in host else socket.AF_INET


def connect():
    raw = socket.socket(family, socket.SOCK_STREAM)
    raw.settimeout(5)
    raw.bind((source, 0))
    raw.connect((host, port))
    return context.wrap_socket(raw, server_hostname="localhost")


held = []
try:
    for _ in range(count):
        conn = connect()
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     f"Content-Length: 1000\r\n\r\n{{".encode())
        held.append(conn)
    time.sleep(0.5)
    for _ in range(20 if wait_for else 1):
        probe = connect()
        probe.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        status = probe.recv(4096).split(b"\r\n", 1)[0].decode()
        probe.close()
        if wait_for is None or f" {wait_for} " in f"{status} ":
            break
        time.sleep(0.25)
    print(status)
finally:
    for conn in held:
        conn.close()
