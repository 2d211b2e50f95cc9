#!/usr/bin/env python3
"""A local stand-in for the parts of Stripe's HTTP API that Skannr calls (standard library only).

It keeps state (customers, prices, checkout sessions, subscriptions with items), validates
requests as Stripe does (Bearer sk_test_ key -> 401, form-encoded bodies with bracket syntax,
required fields and unknown ids -> 400/404 with Stripe's error JSON, Idempotency-Key replays
return the first answer, a reused key with other parameters -> 400 idempotency_error) and sends
signed webhook events to the API (through nginx over HTTPS, verified against the test CA).

Usage:
  fake_stripe.py --port P --secret-key sk_test_x --webhook-secret whsec_x \
      --webhook-url https://localhost:8443/api/v1/billing/webhook --ca-file cert.pem \
      --price price_pro --price price_business [--lifetime 900] [--parent-pid PID]

Stripe API:  POST /v1/customers, POST /v1/checkout/sessions, POST /v1/billing_portal/sessions,
             GET/POST /v1/subscriptions/:id
Test control (JSON bodies, no auth):
  POST /_test/complete_checkout/:session_id {status?, order?: [event types]} -> creates the
       subscription, sends checkout.session.completed and customer.subscription.created
  POST /_test/send_event {type, subscription, set?: {...}, object?: {...}, created?, id?}
       `set` changes the stored subscription first; `object` changes only this event's copy
       (to send an old state). customer.subscription.deleted sets status canceled.
       invoice.* events carry an invoice that points at the subscription.
  POST /_test/redeliver/:event_id   sends a stored event again (fresh signature)
  POST /_test/fail_mode {mode: "500" | "hang" | "off", hang_seconds?: 30}
  GET  /_test/requests  (log of /v1 calls: method, path, params, idempotency_key, authorized)
  GET  /_test/state
The process exits after --lifetime seconds, or as soon as --parent-pid is gone.
"""

import argparse
import hashlib
import hmac
import json
import os
import re
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
STATE = {"customers": {}, "prices": {}, "sessions": {}, "subscriptions": {}, "events": {}}
IDEMPOTENCY = {}
REQUESTS = []
FAIL = {"mode": "off", "hang_seconds": 30}
ARGS = None


def new_id(prefix):
    return prefix + "_" + secrets.token_hex(12)


class StripeFailure(Exception):
    def __init__(self, status, message, param=None, type_="invalid_request_error", code=None):
        super().__init__(message)
        self.status, self.message, self.param, self.type, self.code = status, message, param, type_, code

    def body(self):
        error = {"type": self.type, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
        return {"error": error}


def parse_form(text):
    """`a[b][0][c]=v` pairs -> nested dicts (list indexes stay string keys, as Stripe parses them)."""
    root = {}
    for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=False):
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if not match:
            raise StripeFailure(400, "Invalid form parameter name: %s" % key, key)
        parts = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StripeFailure(400, "Invalid nesting for %s" % key, key)
            node = child
        node[parts[-1]] = value
    return root


def require(params, name, param=None):
    value = params.get(name)
    if value in (None, ""):
        raise StripeFailure(400, "Missing required param: %s." % (param or name), param or name,
                            code="parameter_missing")
    return value


def as_list(value, param):
    if value is None:
        return []
    if not isinstance(value, dict) or not all(k.isdigit() for k in value):
        raise StripeFailure(400, "Invalid array", param)
    return [value[k] for k in sorted(value, key=int)]


def as_bool(value, param):
    if value not in ("true", "false"):
        raise StripeFailure(400, "Invalid boolean: %s" % value, param)
    return value == "true"


# --- Stripe API ------------------------------------------------------------------------------

def create_customer(params):
    customer = {"id": new_id("cus"), "object": "customer", "email": params.get("email"),
                "name": params.get("name"), "metadata": params.get("metadata") or {}, "created": int(time.time())}
    STATE["customers"][customer["id"]] = customer
    return customer


def create_checkout_session(params):
    mode = require(params, "mode")
    if mode not in ("payment", "setup", "subscription"):
        raise StripeFailure(400, "Invalid mode: must be one of payment, setup, or subscription", "mode")
    require(params, "success_url")
    customer = params.get("customer")
    if customer is not None and customer not in STATE["customers"]:
        raise StripeFailure(400, "No such customer: '%s'" % customer, "customer", code="resource_missing")
    items = as_list(params.get("line_items"), "line_items")
    if mode == "subscription" and not items:
        raise StripeFailure(400, "Missing required param: line_items.", "line_items", code="parameter_missing")
    for index, item in enumerate(items):
        price = require(item, "price", "line_items[%d][price]" % index)
        if price not in STATE["prices"]:
            raise StripeFailure(400, "No such price: '%s'" % price, "line_items[%d][price]" % index,
                                code="resource_missing")
        quantity = item.get("quantity", "1")
        if not quantity.isdigit() or int(quantity) < 1:
            raise StripeFailure(400, "Invalid positive integer", "line_items[%d][quantity]" % index)
    session_id = new_id("cs_test")
    session = {"id": session_id, "object": "checkout.session", "mode": mode, "status": "open",
               "url": "https://checkout.stripe.com/c/pay/" + session_id, "customer": customer,
               "client_reference_id": params.get("client_reference_id"), "subscription": None,
               "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
               "metadata": params.get("metadata") or {},
               "_line_items": items, "_subscription_data": params.get("subscription_data") or {}}
    STATE["sessions"][session_id] = session
    return public(session)


def create_portal_session(params):
    customer = require(params, "customer")
    if customer not in STATE["customers"]:
        raise StripeFailure(400, "No such customer: '%s'" % customer, "customer", code="resource_missing")
    session_id = new_id("bps")
    return {"id": session_id, "object": "billing_portal.session", "customer": customer,
            "return_url": params.get("return_url"), "url": "https://billing.stripe.com/p/session/test_" + session_id}


def find_subscription(sub_id):
    subscription = STATE["subscriptions"].get(sub_id)
    if subscription is None:
        raise StripeFailure(404, "No such subscription: '%s'" % sub_id, "id", code="resource_missing")
    return subscription


def update_subscription(sub_id, params):
    subscription = find_subscription(sub_id)
    if subscription["status"] == "canceled":
        raise StripeFailure(400, "A canceled subscription can only update its cancellation_details and metadata.")
    behavior = params.get("proration_behavior")
    if behavior is not None and behavior not in ("create_prorations", "none", "always_invoice"):
        raise StripeFailure(400, "Invalid proration_behavior", "proration_behavior")
    for index, item in enumerate(as_list(params.get("items"), "items")):
        item_id = item.get("id")
        existing = next((i for i in subscription["items"]["data"] if i["id"] == item_id), None)
        if item_id is not None and existing is None:
            raise StripeFailure(400, "No such subscription item: '%s'" % item_id, "items[%d][id]" % index,
                                code="resource_missing")
        price = item.get("price")
        if price is not None and price not in STATE["prices"]:
            raise StripeFailure(400, "No such price: '%s'" % price, "items[%d][price]" % index, code="resource_missing")
        if existing is not None and price is not None:
            existing["price"] = STATE["prices"][price]
        elif existing is None:
            subscription["items"]["data"].append(make_item(require(item, "price", "items[%d][price]" % index),
                                                           subscription["current_period_end"]))
    if "cancel_at_period_end" in params:
        subscription["cancel_at_period_end"] = as_bool(params["cancel_at_period_end"], "cancel_at_period_end")
    subscription["_last_proration_behavior"] = behavior
    return public(subscription)


def make_item(price, period_end):
    return {"id": new_id("si"), "object": "subscription_item", "price": STATE["prices"][price], "quantity": 1,
            "current_period_end": period_end}


def public(obj):
    return {k: v for k, v in obj.items() if not k.startswith("_")}


# --- webhooks --------------------------------------------------------------------------------

def sign(payload, timestamp):
    mac = hmac.new(ARGS.webhook_secret.encode(), ("%d." % timestamp).encode() + payload, hashlib.sha256)
    return "t=%d,v1=%s" % (timestamp, mac.hexdigest())


def deliver(event_id):
    payload = STATE["events"][event_id]
    request = urllib.request.Request(ARGS.webhook_url, data=payload, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Stripe-Signature": sign(payload, int(time.time()))})
    context = ssl.create_default_context(cafile=ARGS.ca_file) if ARGS.ca_file else ssl.create_default_context()
    try:
        with urllib.request.urlopen(request, context=context, timeout=15) as response:
            return {"event_id": event_id, "status": response.status, "body": response.read().decode("utf-8", "replace")}
    except urllib.error.HTTPError as error:
        return {"event_id": event_id, "status": error.code, "body": error.read().decode("utf-8", "replace")}
    except Exception as error:  # noqa: BLE001 - reported to the test
        return {"event_id": event_id, "status": 0, "body": repr(error)}


def make_event(type_, obj, created=None, event_id=None):
    event = {"id": event_id or new_id("evt"), "object": "event", "api_version": "2024-06-20",
             "created": int(created if created is not None else time.time()), "livemode": False,
             "type": type_, "data": {"object": obj}, "pending_webhooks": 1}
    STATE["events"][event["id"]] = json.dumps(event, separators=(",", ":")).encode()
    return event


def complete_checkout(session_id, options):
    with LOCK:
        session = STATE["sessions"].get(session_id)
        if session is None:
            raise StripeFailure(404, "No such checkout session: '%s'" % session_id, "id", code="resource_missing")
        if session["status"] != "open":
            raise StripeFailure(400, "This Checkout Session is already complete.")
        customer = session["customer"] or create_customer({})["id"]
        now = int(time.time())
        period_end = now + 30 * 86400
        subscription = {"id": new_id("sub"), "object": "subscription", "customer": customer,
                        "status": options.get("status", "active"), "cancel_at_period_end": False,
                        "created": now, "current_period_start": now, "current_period_end": period_end,
                        "items": {"object": "list", "data": [make_item(i["price"], period_end) for i in session["_line_items"]]},
                        "metadata": (session["_subscription_data"] or {}).get("metadata") or {}}
        STATE["subscriptions"][subscription["id"]] = subscription
        session.update(status="complete", customer=customer, subscription=subscription["id"])
        events = {"checkout.session.completed": make_event("checkout.session.completed", public(session), now),
                  "customer.subscription.created": make_event("customer.subscription.created", public(subscription), now)}
        order = options["order"] if "order" in options else ["checkout.session.completed", "customer.subscription.created"]
    deliveries = [deliver(events[name]["id"]) for name in order]
    return {"subscription": public(subscription), "session": public(session), "deliveries": deliveries}


def send_event(options):
    with LOCK:
        type_ = options["type"]
        subscription = find_subscription(options["subscription"])
        subscription.update(options.get("set") or {})
        if type_ == "customer.subscription.deleted":
            subscription.update(status="canceled", ended_at=int(time.time()))
        obj = json.loads(json.dumps(public(subscription)))
        obj.update(options.get("object") or {})
        if type_.startswith("invoice."):
            obj = {"id": new_id("in"), "object": "invoice", "customer": subscription["customer"],
                   "subscription": subscription["id"], "status": "paid" if type_ == "invoice.paid" else "open",
                   "parent": {"type": "subscription_details", "subscription_details": {"subscription": subscription["id"]}}}
        event = make_event(type_, obj, options.get("created"), options.get("id"))
    return {"event": event, "delivery": deliver(event["id"])}


# --- HTTP ------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeStripe/1"

    def log_message(self, fmt, *args):
        print("fake_stripe: " + fmt % args, flush=True)

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        path = urllib.parse.urlsplit(self.path).path
        body = self.read_body()
        try:
            if path.startswith("/_test/"):
                self.send_json(200, self.control(method, path, json.loads(body or b"{}")))
            elif path.startswith("/v1/"):
                self.stripe(method, path, body)
            else:
                raise StripeFailure(404, "Unrecognized request URL (%s: %s)." % (method, path))
        except StripeFailure as failure:
            self.send_json(failure.status, failure.body())

    def control(self, method, path, options):
        parts = path.strip("/").split("/")
        if method == "POST" and parts[1] == "complete_checkout" and len(parts) == 3:
            return complete_checkout(parts[2], options)
        if method == "POST" and parts[1] == "send_event":
            return send_event(options)
        if method == "POST" and parts[1] == "redeliver" and len(parts) == 3:
            if parts[2] not in STATE["events"]:
                raise StripeFailure(404, "No such event", "id")
            return {"delivery": deliver(parts[2])}
        if method == "POST" and parts[1] == "fail_mode":
            with LOCK:
                FAIL.update(mode=options.get("mode", "off"), hang_seconds=min(int(options.get("hang_seconds", 30)), 60))
                return dict(FAIL)
        if method == "GET" and parts[1] == "requests":
            with LOCK:
                return {"requests": list(REQUESTS)}
        if method == "GET" and parts[1] == "state":
            with LOCK:
                return {k: v for k, v in STATE.items() if k != "events"} | {"fail": FAIL}
        raise StripeFailure(404, "Unknown test control %s %s" % (method, path))

    def stripe(self, method, path, body):
        authorization = self.headers.get("Authorization") or ""
        key = authorization[7:] if authorization.startswith("Bearer ") else ""
        authorized = key.startswith("sk_test_") and (ARGS.secret_key is None or key == ARGS.secret_key)
        idempotency_key = self.headers.get("Idempotency-Key")
        with LOCK:
            mode, hang = FAIL["mode"], FAIL["hang_seconds"]
            REQUESTS.append({"method": method, "path": path, "idempotency_key": idempotency_key,
                             "authorized": authorized, "content_type": self.headers.get("Content-Type"),
                             "body": body.decode("utf-8", "replace"), "fail_mode": mode})
        if mode == "hang":
            time.sleep(hang)
        if mode in ("500", "hang"):
            raise StripeFailure(500, "An unknown error occurred", type_="api_error")
        if not key:
            raise StripeFailure(401, "You did not provide an API key. You need to provide your API key in the "
                                     "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not authorized:
            raise StripeFailure(401, "Invalid API Key provided: %s****%s" % (key[:8], key[-4:]))
        if method == "POST":
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if content_type != "application/x-www-form-urlencoded":
                raise StripeFailure(400, "Invalid request: bodies must be application/x-www-form-urlencoded")
        with LOCK:
            if method == "POST" and idempotency_key:
                replay = IDEMPOTENCY.get(idempotency_key)
                if replay is not None:
                    if replay[0] != (path, body):
                        raise StripeFailure(400, "Keys for idempotent requests can only be used with the same "
                                                 "parameters they were first used with.", type_="idempotency_error")
                    self.send_json(replay[1], replay[2], [("Idempotent-Replayed", "true")])
                    return
            try:
                status, answer = 200, self.route(method, path, parse_form(body.decode()) if method == "POST" else {})
            except StripeFailure as failure:
                status, answer = failure.status, failure.body()
            if method == "POST" and idempotency_key and status < 500:
                IDEMPOTENCY[idempotency_key] = ((path, body), status, answer)
        self.send_json(status, answer)

    def route(self, method, path, params):
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/customers":
            return create_customer(params)
        if method == "POST" and path == "/v1/checkout/sessions":
            return create_checkout_session(params)
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return create_portal_session(params)
        if len(parts) == 3 and parts[1] == "subscriptions":
            if method == "GET":
                return public(find_subscription(parts[2]))
            if method == "POST":
                return update_subscription(parts[2], params)
        raise StripeFailure(404, "Unrecognized request URL (%s: %s)." % (method, path))


def watchdog(lifetime, parent):
    deadline = time.time() + lifetime
    while time.time() < deadline:
        if parent and os.getppid() != parent:
            break
        time.sleep(0.5)
    os._exit(0)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description="A fake Stripe API for Skannr's tests (loopback only).")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-key", default=None, help="the only key accepted (default: any sk_test_ key)")
    parser.add_argument("--webhook-secret", required=True)
    parser.add_argument("--webhook-url", required=True)
    parser.add_argument("--ca-file", default=None)
    parser.add_argument("--price", action="append", default=[])
    parser.add_argument("--lifetime", type=int, default=900)
    parser.add_argument("--parent-pid", type=int, default=0)
    ARGS = parser.parse_args()
    host = urllib.parse.urlsplit(ARGS.webhook_url).hostname
    if host not in ("localhost", "127.0.0.1", "::1"):
        parser.error("the webhook URL must be on loopback")
    for price in ARGS.price:
        STATE["prices"][price] = {"id": price, "object": "price", "active": True, "currency": "usd",
                                  "recurring": {"interval": "month"}, "unit_amount": 1000}
    threading.Thread(target=watchdog, args=(ARGS.lifetime, ARGS.parent_pid), daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print("fake_stripe: listening on 127.0.0.1:%d" % ARGS.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
