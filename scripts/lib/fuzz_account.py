#!/usr/bin/env python3
"""Makes the account that scripts/fuzz-api fuzzes with, and prints its access token (stdout only).

Registers through POST /auth/register, moves the user to the business plan with SQL (so plan
limits let creates through) and signs in again for a token that carries it. Standard library only;
loopback only.
"""
import getpass, json, os, secrets, ssl, subprocess, sys, urllib.error, urllib.request

base, runtime = sys.argv[1], sys.argv[2]
settings = dict(line.split("=", 1) for line in open(os.path.join(runtime, "skannr.env")).read().splitlines()
                if "=" in line and not line.startswith("#"))
context = ssl.create_default_context(cafile=os.path.join(runtime, "tls", "cert.pem"))


def call(method, path, body):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=20) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def sql(statement):
    return subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(runtime, "mysql.sock"), "-u" + getpass.getuser(), "-N", "-B",
                           settings.get("SKANNR_DB_NAME", "skannr"), "-e", statement],
                          check=True, capture_output=True, text=True).stdout.strip()


email = f"fuzz-{secrets.token_hex(6)}@example.test"
password = "fuzz-" + secrets.token_hex(12)
status, body = call("POST", "/auth/register", {"name": "Fuzz", "email": email, "password": password})
if status != 201:
    sys.exit(f"fuzz account: register answered {status}: {body}")
sql(f"UPDATE users SET plan = 'business' WHERE id = {int(body['user']['id'])}")
status, body = call("POST", "/auth/login", {"email": email, "password": password})
if status != 200:
    sys.exit(f"fuzz account: login answered {status}: {body}")
print(body["access_token"])
