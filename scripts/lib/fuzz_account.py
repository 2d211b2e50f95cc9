#!/usr/bin/env python3
"""Makes the account that scripts/fuzz-api fuzzes with, and prints its access token (stdout only).

Registers through POST /auth/register when that endpoint exists, moves the user to the business
plan with SQL (so plan limits let creates through) and signs in again for a token that carries it.
Before the auth endpoints exist it inserts the user with SQL and signs an HS256 access token with
the stack's first SKANNR_JWT_KEYS key, as the tests do. Standard library only; loopback only.
"""
import base64, hashlib, hmac, json, os, secrets, ssl, subprocess, sys, time, urllib.error, urllib.request

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
    return subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(runtime, "mysql.sock"), "-uroot", "-N", "-B",
                           settings.get("SKANNR_DB_NAME", "skannr"), "-e", statement],
                          check=True, capture_output=True, text=True).stdout.strip()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


email = f"fuzz-{secrets.token_hex(6)}@example.test"
password = "fuzz-" + secrets.token_hex(12)
status, body = call("POST", "/auth/register", {"name": "Fuzz", "email": email, "password": password})
if status == 201:
    sql(f"UPDATE users SET plan = 'business' WHERE id = {int(body['user']['id'])}")
    status, body = call("POST", "/auth/login", {"email": email, "password": password})
    if status != 200:
        sys.exit(f"fuzz account: login answered {status}: {body}")
    print(body["access_token"])
    sys.exit(0)
if not (status == 404 and body.get("message") == "No such endpoint"):
    sys.exit(f"fuzz account: register answered {status}: {body}")

print("fuzz account: no /auth/register yet; user inserted with SQL, token signed locally", file=sys.stderr)
now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
user_id = int(sql(f"INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) "
                  f"VALUES ('Fuzz', '{email}', 'x', 'business', '{now}', '{now}'); SELECT LAST_INSERT_ID();"))
kid, secret = settings["SKANNR_JWT_KEYS"].split(",")[0].split(":", 1)
key = base64.b64decode(secret + "=" * (-len(secret) % 4))
issued = int(time.time())
header = b64url(json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}).encode())
claims = b64url(json.dumps({"sub": user_id, "plan": "business", "iat": issued, "nbf": issued, "exp": issued + 900,
                            "iss": settings.get("SKANNR_JWT_ISSUER", "skannr"), "aud": settings.get("SKANNR_JWT_AUDIENCE", "skannr-api"),
                            "typ": "access", "jti": b64url(secrets.token_bytes(16))}).encode())
signature = b64url(hmac.new(key, f"{header}.{claims}".encode(), hashlib.sha256).digest())
print(f"{header}.{claims}.{signature}")
