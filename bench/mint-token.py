#!/usr/bin/env python3
# Mints a Skannr HS256 access token for the benchmark (skannr-api has no token command): the current
# key (first kid:base64 of SKANNR_JWT_KEYS in the given settings file), claims as JWTSigner writes them.
# Usage: mint-token.py SETTINGS_FILE USER_ID PLAN [TTL_SECONDS]
import base64, hashlib, hmac, json, os, sys, time

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

settings, user_id, plan = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ttl = int(sys.argv[4]) if len(sys.argv) > 4 else 3600
keys = next(line.split("=", 1)[1].strip() for line in open(settings) if line.startswith("SKANNR_JWT_KEYS="))
kid, secret = keys.split(",")[0].split(":", 1)
pad = "=" * (-len(secret) % 4)
key = base64.b64decode(secret + pad) if "-" not in secret and "_" not in secret else base64.urlsafe_b64decode(secret + pad)
now = int(time.time())
header = {"alg": "HS256", "kid": kid, "typ": "JWT"}
claims = {"aud": "skannr-api", "exp": now + ttl, "iat": now, "iss": "skannr", "jti": b64url(os.urandom(16)),
          "nbf": now, "plan": plan, "sub": user_id, "typ": "access"}
signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
    b64url(json.dumps(claims, separators=(",", ":")).encode())
signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + b64url(signature))
