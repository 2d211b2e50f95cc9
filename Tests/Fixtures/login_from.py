#!/usr/bin/env python3
"""Signs in to the test stack from a chosen loopback source address: COUNT attempts with EMAIL and
PASSWORD, PARALLEL at a time (threads, each its own TLS connection), and prints one line per answer:
"<status> <code>". Used by AuthLockoutTests (issue 16 #1 and #3).

usage: login_from.py HOST PORT SOURCE EMAIL PASSWORD COUNT PARALLEL
"""
import concurrent.futures, http.client, json, ssl, sys

host, port, source, email, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
count, parallel = int(sys.argv[6]), int(sys.argv[7])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
body = json.dumps({"email": email, "password": password})


def attempt(_):
    connection = http.client.HTTPSConnection(host, port, source_address=(source, 0), context=context, timeout=30)
    try:
        connection.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        try:
            code = json.loads(payload).get("code", "-")
        except ValueError:
            code = "-"
        return f"{response.status} {code}"
    finally:
        connection.close()


with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
    for line in pool.map(attempt, range(count)):
        print(line)
