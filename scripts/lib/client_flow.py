#!/usr/bin/env python3
"""Drives a whole flow through a Python client GENERATED from openapi.yaml (openapi-python-client),
so the file is proven usable by real tooling: register -> API key -> target -> scan -> results ->
second scan -> diff -> alerts -> CSV export -> key revoked. Only loopback is scanned (the stack's
scan-runner is pinned to loopback). Usage: client_flow.py GENERATED_DIR BASE_URL CA_FILE PORT
(PORT: a TCP port open on 127.0.0.1, e.g. nginx's, that the scans find). Exits non-zero on failure.
"""
import secrets, ssl, sys, time

generated, base, ca_file, open_port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, generated)
from skannr_client import AuthenticatedClient, Client  # noqa: E402
from skannr_client.api.alerts import list_alerts  # noqa: E402
from skannr_client.api.api_keys import create_api_key, delete_api_key, list_api_keys  # noqa: E402
from skannr_client.api.auth import register  # noqa: E402
from skannr_client.api.scans import get_scan, get_scan_diff, get_scan_results, scan_target  # noqa: E402
from skannr_client.api.targets import create_target  # noqa: E402
from skannr_client.models import CreateApiKeyBody, RegisterRequest, TargetCreate, ScanProfile  # noqa: E402

context = ssl.create_default_context(cafile=ca_file)
steps = []


def check(condition, what):
    if not condition:
        print(f"client flow FAILED at: {what}", file=sys.stderr)
        sys.exit(1)
    steps.append(what)


def wait_completed(client, scan_id, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        scan = get_scan.sync(scan_id, client=client)
        if getattr(scan, "status", None) is not None and scan.status.value in ("completed", "failed", "cancelled"):
            return scan
        time.sleep(1.5)   # the free plan allows 60 requests a minute
    return None


anonymous = Client(base_url=base, verify_ssl=context)
email = f"client-flow-{secrets.token_hex(6)}@example.com"
tokens = register.sync(client=anonymous, body=RegisterRequest(name="Generated client", email=email, password="correct horse battery"))
check(getattr(tokens, "access_token", None), "register")
by_token = AuthenticatedClient(base_url=base, token=tokens.access_token, verify_ssl=context)

created = create_api_key.sync(client=by_token, body=CreateApiKeyBody(name="client flow"))
check(getattr(created, "key", "").startswith("sk_live_"), "create API key")
api = AuthenticatedClient(base_url=base, token=created.key, verify_ssl=context)
check(len(list_api_keys.sync(client=by_token).items) == 1, "list API keys")

target = create_target.sync(client=api, body=TargetCreate(address="127.0.0.1", scan_profile=ScanProfile.CUSTOM,
                                                          ports=f"{open_port},1"))
check(getattr(target, "id", None), "create target with the API key")

first = scan_target.sync(target.id, client=api)
check(getattr(first, "id", None), "start scan")
done = wait_completed(api, first.id)
check(done is not None and done.status.value == "completed", f"first scan completed ({getattr(done, 'status', None)})")
results = get_scan_results.sync(first.id, client=api)
check(any(item.port == open_port for item in results.items), "results list the open port")

second = scan_target.sync(target.id, client=api)
check(wait_completed(api, second.id) is not None, "second scan completed")
diff = get_scan_diff.sync(second.id, client=api)
check(getattr(diff, "against_scan_id", None) == first.id and diff.ports_opened == [] and diff.ports_closed == [],
      "diff against the previous scan: nothing changed")

alerts = list_alerts.sync(client=api)
check(alerts is not None and isinstance(alerts.items, list), "list alerts")
raw = api.get_httpx_client().get("/alerts", headers={"Accept": "text/csv"})
check(raw.status_code == 200 and raw.text.startswith("id,target_id,scan_id,type"), "alerts as CSV")
raw = api.get_httpx_client().get(f"/scans/{first.id}/results", headers={"Accept": "text/csv"})
check(raw.status_code == 200 and f"127.0.0.1,{open_port},tcp,open" in raw.text, "results as CSV")

check(delete_api_key.sync_detailed(created.id, client=by_token).status_code == 204, "revoke the key")
check(get_scan.sync_detailed(first.id, client=api).status_code == 401, "the revoked key is refused at once")
print(f"SKANNR-FIGURES client-flow steps={len(steps)} ok=1")
