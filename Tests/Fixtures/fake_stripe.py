#!/usr/bin/env python3
"""A local stand-in for the parts of Stripe's HTTP API that Skannr calls (standard library only).

It speaks ONE API version (API_VERSION; a request whose Stripe-Version header is missing or
different is refused, where Stripe would fall back to the account's default) and shapes every
object and event the way that version does. It validates parameters against the subset of
Stripe's OpenAPI description it serves (OPERATIONS below, taken from the published spec of that
version): an unknown or misspelt parameter, a value of the wrong type, a missing line-item
quantity or an invalid URL is Stripe's 400 `{"error": {"type", "message", "param", "code"}}`.
It keeps state (customers, prices, checkout sessions, subscriptions with items), Bearer
sk_test_ key -> 401, Idempotency-Key replays return the first answer, a reused key with other
parameters -> 400 idempotency_error, and sends signed webhook events to the API (through nginx
over HTTPS, verified against the test CA). Like a new test-mode account it can refuse portal
sessions until the portal's default configuration is "saved" (POST /_test/portal).

Usage:
  fake_stripe.py --port P --secret-key sk_test_x --webhook-secret whsec_x \
      --webhook-url https://localhost:8443/api/v1/billing/webhook --ca-file cert.pem \
      --price price_pro --price price_business [--lifetime 900] [--parent-pid PID] [--portal-unconfigured]

Stripe API:  POST /v1/customers, POST /v1/customers/:id, POST /v1/checkout/sessions,
             GET /v1/checkout/sessions/:id, POST /v1/checkout/sessions/:id/expire,
             POST /v1/billing_portal/sessions, GET/POST /v1/subscriptions/:id
Test control (JSON bodies, no auth):
  POST /_test/complete_checkout/:session_id {status?, order?, concurrent?, early_created?, slow_incomplete_ms?}
       pays the session as Checkout does: the subscription is created `incomplete`, then becomes
       `active` (or `status`); events checkout.session.completed, customer.subscription.created
       (incomplete), customer.subscription.updated (active) and invoice.paid, all of the same
       second, delivered in random order (or `order`: the event types to send, [] = none).
       `concurrent`: all at once; `early_created`: subscription.created is delivered while the
       subscription is still incomplete; `slow_incomplete_ms`: a GET that reads an incomplete
       subscription answers that much later (an old state reaching the API last).
  POST /_test/send_event {type, subscription, set?: {...}, object?: {...}, created?, id?}
       `set` changes the stored subscription first; `object` changes only this event's copy
       (to send an old state). customer.subscription.deleted sets status canceled.
       invoice.* events carry an invoice that points at the subscription.
  POST /_test/redeliver/:event_id   sends a stored event again (fresh signature)
  POST /_test/portal {saved: bool}  whether the portal's default configuration has been saved
  POST /_test/clock {offset_seconds}  Stripe's clock (Date headers, `created`) runs that far from this machine's
  POST /_test/fail_mode {mode: "500" | "hang" | "off", hang_seconds?: 30}
  GET  /_test/requests  (log of /v1 calls: method, path, params, idempotency_key, stripe_version, authorized)
  GET  /_test/state
The process exits after --lifetime seconds, or as soon as --parent-pid is gone.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Skannr's client pins the same version (Sources/Billing/StripeAPI.swift); a test checks they agree.
API_VERSION = "2026-10-28.endive"
# The event types the webhook endpoint is subscribed to (docs/deploy.md); no others are sent.
ENABLED_EVENTS = ("checkout.session.completed", "customer.subscription.created", "customer.subscription.updated",
                  "customer.subscription.deleted", "invoice.paid", "invoice.payment_failed")

LOCK = threading.RLock()
STATE = {"customers": {}, "prices": {}, "sessions": {}, "subscriptions": {}, "events": {}, "portal_default_saved": True}
IDEMPOTENCY = {}
REQUESTS = []
FAIL = {"mode": "off", "hang_seconds": 30}
SLOW = {"incomplete_ms": 0, "incomplete_reads": 0}
CLOCK = {"offset_seconds": 0}
ARGS = None


def now():
    """Stripe's clock: this machine's, shifted by POST /_test/clock (a skew between Stripe and Skannr)."""
    return time.time() + CLOCK["offset_seconds"]  # noqa


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


# --- the served subset of Stripe's OpenAPI description (API_VERSION) -------------------------
# Every parameter name of each operation is listed; those Skannr sends are typed to their leaves,
# the others accept any value (ANY). Types: STRING, INTEGER, BOOLEAN, URL, MAP (metadata: string
# keys <= 40, values <= 500), Enum(...), ListOf(type), Emptyable(type) ('' unsets), OneOf(...), and
# dicts for objects.

ANY, STRING, INTEGER, BOOLEAN, URL, MAP = "any", "string", "integer", "boolean", "url", "map"


class Enum:
    def __init__(self, *values):
        self.values = values


class ListOf:
    def __init__(self, item):
        self.item = item


class Emptyable:
    def __init__(self, kind):
        self.kind = kind


class OneOf:
    def __init__(self, *kinds):
        self.kinds = kinds


def names(*listed, **typed):
    schema = {name: ANY for name in listed}
    schema.update(typed)
    return schema


EXPAND_ONLY = names(expand=ListOf(STRING))

CUSTOMER_FIELDS = ("address", "balance", "business_name", "cash_balance", "invoice_prefix", "invoice_settings",
                   "individual_name", "next_invoice_sequence", "preferred_locales", "shipping", "source", "tax",
                   "tax_exempt", "validate")
CUSTOMER_CREATE = names(*CUSTOMER_FIELDS, "payment_method", "tax_id_data", "test_clock",
                        description=STRING, email=STRING, expand=ListOf(STRING), metadata=Emptyable(MAP),
                        name=STRING, phone=STRING)
CUSTOMER_UPDATE = names(*CUSTOMER_FIELDS, "default_source",
                        description=STRING, email=STRING, expand=ListOf(STRING), metadata=Emptyable(MAP),
                        name=STRING, phone=STRING)

CHECKOUT_LINE_ITEM = names("adjustable_quantity", "price_data", metadata=MAP, price=STRING, quantity=INTEGER,
                           tax_rates=ListOf(STRING))
CHECKOUT_SUBSCRIPTION_DATA = names(
    "application_fee_percent", "billing_cycle_anchor", "billing_cycle_anchor_config", "billing_mode",
    "default_tax_rates", "description", "invoice_settings", "on_behalf_of", "pending_invoice_item_interval",
    "transfer_data", "trial_end", "trial_settings",
    metadata=MAP, proration_behavior=Enum("create_prorations", "none"), trial_period_days=INTEGER)
CHECKOUT_CREATE = names(
    "adaptive_pricing", "after_expiration", "allow_promotion_codes", "allowed_payment_method_types", "automatic_tax",
    "billing_address_collection", "branding_settings", "consent_collection", "currency", "custom_fields",
    "custom_text", "customer_account", "customer_creation", "customer_update", "discounts",
    "excluded_payment_method_types", "integration_identifier", "invoice_creation", "locale", "managed_payments",
    "name_collection", "optional_items", "origin_context", "payment_intent_data", "payment_method_collection",
    "payment_method_configuration", "payment_method_data", "payment_method_options", "permissions",
    "phone_number_collection", "redirect_on_completion", "saved_payment_method_options", "setup_intent_data",
    "shipping_address_collection", "shipping_options", "submit_type", "tax_id_collection", "ui_mode",
    "wallet_options",
    cancel_url=URL, client_reference_id=STRING, customer=STRING, customer_email=STRING, expand=ListOf(STRING),
    expires_at=INTEGER, line_items=ListOf(CHECKOUT_LINE_ITEM), metadata=MAP,
    mode=Enum("payment", "setup", "subscription"), return_url=URL, subscription_data=CHECKOUT_SUBSCRIPTION_DATA,
    success_url=URL)

PORTAL_CREATE = names("after_expiration", "flow_data", "locale", "on_behalf_of",
                      configuration=STRING, customer=STRING, customer_account=STRING, expand=ListOf(STRING),
                      return_url=URL)

SUBSCRIPTION_ITEM = names("billing_thresholds", "current_trial", "discounts", "plan", "price_data",
                          clear_usage=BOOLEAN, deleted=BOOLEAN, id=STRING, metadata=Emptyable(MAP), price=STRING,
                          quantity=INTEGER, tax_rates=Emptyable(ListOf(STRING)))
SUBSCRIPTION_UPDATE = names(
    "add_invoice_items", "application_fee_percent", "automatic_tax", "billing_cycle_anchor", "billing_schedules",
    "billing_thresholds", "cancellation_details", "collection_method", "days_until_due", "default_payment_method",
    "default_source", "default_tax_rates", "description", "discounts", "invoice_settings", "off_session",
    "on_behalf_of", "pause_collection", "payment_behavior", "payment_settings", "pending_invoice_item_interval",
    "proration_date", "transfer_data", "trial_end", "trial_from_plan", "trial_settings",
    cancel_at=OneOf(Enum(""), INTEGER, Enum("max_billed_until", "max_period_end", "min_period_end")),
    cancel_at_period_end=BOOLEAN, expand=ListOf(STRING), items=ListOf(SUBSCRIPTION_ITEM), metadata=Emptyable(MAP),
    proration_behavior=Enum("always_invoice", "create_prorations", "none"))

# (method, path pattern) -> parameter schema; `{id}` is one path segment.
OPERATIONS = {
    ("POST", "/v1/customers"): CUSTOMER_CREATE,
    ("POST", "/v1/customers/{id}"): CUSTOMER_UPDATE,
    ("POST", "/v1/checkout/sessions"): CHECKOUT_CREATE,
    ("GET", "/v1/checkout/sessions/{id}"): EXPAND_ONLY,
    ("POST", "/v1/checkout/sessions/{id}/expire"): EXPAND_ONLY,
    ("POST", "/v1/billing_portal/sessions"): PORTAL_CREATE,
    ("GET", "/v1/subscriptions/{id}"): EXPAND_ONLY,
    ("POST", "/v1/subscriptions/{id}"): SUBSCRIPTION_UPDATE,
}


def operation(method, path):
    """(pattern, schema, path id) of the served operation, or a 404 as Stripe words it."""
    parts = path.strip("/").split("/")
    for (op_method, pattern), schema in OPERATIONS.items():
        pattern_parts = pattern.strip("/").split("/")
        if op_method != method or len(pattern_parts) != len(parts):
            continue
        ident = None
        if all(p == q or (p == "{id}" and re.fullmatch(r"[A-Za-z0-9_]+", q)) for p, q in zip(pattern_parts, parts)):
            if "{id}" in pattern_parts:
                ident = parts[pattern_parts.index("{id}")]
            return pattern, schema, ident
    raise StripeFailure(404, "Unrecognized request URL (%s: %s)." % (method, path))


def validate(schema, params, prefix=""):
    for name, value in params.items():
        path = "%s[%s]" % (prefix, name) if prefix else name
        if name not in schema:
            raise StripeFailure(400, "Received unknown parameter: %s" % path, path, code="parameter_unknown")
        check(schema[name], value, path)


def check(kind, value, path):
    if kind == ANY:
        return
    if isinstance(kind, Emptyable):
        if value != "":
            check(kind.kind, value, path)
        return
    if isinstance(kind, OneOf):
        for option in kind.kinds:
            try:
                check(option, value, path)
                return
            except StripeFailure:
                continue
        raise StripeFailure(400, "Invalid value for %s." % path, path, code="parameter_invalid_empty" if value == "" else None)
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            raise StripeFailure(400, "Invalid object", path)
        validate(kind, value, path)
    elif isinstance(kind, ListOf):
        for index, item in enumerate(as_list(value, path)):
            check(kind.item, item, "%s[%d]" % (path, index))
    elif isinstance(kind, Enum):
        if value not in kind.values:
            raise StripeFailure(400, "Invalid %s: must be one of %s" % (path, ", ".join(kind.values)), path)
    elif not isinstance(value, str) and kind != MAP:
        raise StripeFailure(400, "Invalid %s: expected a scalar value" % path, path)
    elif kind == INTEGER and not re.fullmatch(r"-?[0-9]+", value):
        raise StripeFailure(400, "Invalid integer: %s" % value, path, code="parameter_invalid_integer")
    elif kind == BOOLEAN and value not in ("true", "false"):
        raise StripeFailure(400, "Invalid boolean: %s" % value, path)
    elif kind == URL and not valid_url(value):
        raise StripeFailure(400, "Not a valid URL", path, code="url_invalid")
    elif kind == MAP:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise StripeFailure(400, "Invalid hash", path)
        for key, item in value.items():
            if len(key) > 40 or len(item) > 500:
                raise StripeFailure(400, "Metadata keys are at most 40 and values at most 500 characters", "%s[%s]" % (path, key))


def valid_url(text):
    parts = urllib.parse.urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


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
    if value is None or value == "":
        return []
    if not isinstance(value, dict) or not all(k.isdigit() for k in value):
        raise StripeFailure(400, "Invalid array", param)
    return [value[k] for k in sorted(value, key=int)]


# --- Stripe API ------------------------------------------------------------------------------

def create_customer(params):
    customer = {"id": new_id("cus"), "object": "customer", "email": params.get("email"),
                "name": params.get("name"), "metadata": params.get("metadata") or {}, "created": int(now()),
                "livemode": False}
    STATE["customers"][customer["id"]] = customer
    return customer


def update_customer(customer_id, params):
    customer = STATE["customers"].get(customer_id)
    if customer is None:
        raise StripeFailure(404, "No such customer: '%s'" % customer_id, "id", code="resource_missing")
    for name in ("email", "name", "description", "phone"):
        if name in params:
            customer[name] = params[name] or None
    if "metadata" in params:
        customer["metadata"] = {} if params["metadata"] == "" else dict(customer["metadata"], **params["metadata"])
    return customer


def create_checkout_session(params):
    mode = require(params, "mode")
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
        if "quantity" not in item:
            raise StripeFailure(400, "Quantity is required. Add `quantity` to `line_items[%d]`" % index,
                                "line_items[%d][quantity]" % index, code="parameter_missing")
        if int(item["quantity"]) < 1:
            raise StripeFailure(400, "This value must be greater than or equal to 1.", "line_items[%d][quantity]" % index)
    at = int(now())
    session_id = new_id("cs_test")
    session = {"id": session_id, "object": "checkout.session", "mode": mode, "status": "open", "payment_status": "unpaid",
               "url": "https://checkout.stripe.com/c/pay/" + session_id, "customer": customer,
               "client_reference_id": params.get("client_reference_id"), "subscription": None, "invoice": None,
               "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
               "metadata": params.get("metadata") or {}, "created": at, "expires_at": at + 86400, "livemode": False,
               "_line_items": items, "_subscription_data": params.get("subscription_data") or {}}
    STATE["sessions"][session_id] = session
    return public(session)


def find_session(session_id):
    session = STATE["sessions"].get(session_id)
    if session is None:
        raise StripeFailure(404, "No such checkout.session: '%s'" % session_id, "id", code="resource_missing")
    return session


def expire_checkout_session(session_id):
    session = find_session(session_id)
    if session["status"] != "open":
        raise StripeFailure(400, "Only Checkout Sessions with a status in [\"open\"] can be expired.")
    session.update(status="expired", url=None)
    return public(session)


def create_portal_session(params):
    customer = require(params, "customer")
    if customer not in STATE["customers"]:
        raise StripeFailure(400, "No such customer: '%s'" % customer, "customer", code="resource_missing")
    if params.get("configuration") is None and not STATE["portal_default_saved"]:
        raise StripeFailure(400, "No configuration provided and your test mode default configuration has not been "
                                 "created. Provide a configuration or create your default by saving your customer "
                                 "portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.")
    session_id = new_id("bps")
    return {"id": session_id, "object": "billing_portal.session", "customer": customer, "livemode": False,
            "return_url": params.get("return_url"), "url": "https://billing.stripe.com/p/session/test_" + session_id}


def find_subscription(sub_id):
    subscription = STATE["subscriptions"].get(sub_id)
    if subscription is None:
        raise StripeFailure(404, "No such subscription: '%s'" % sub_id, "id", code="resource_missing")
    return subscription


def period_end(subscription):
    return subscription["items"]["data"][0]["current_period_end"]


def update_subscription(sub_id, params):
    subscription = find_subscription(sub_id)
    if subscription["status"] == "canceled":
        raise StripeFailure(400, "A canceled subscription can only update its cancellation_details and metadata.")
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
                                                           subscription["id"], period_end(subscription)))
    if "cancel_at_period_end" in params:
        pending = params["cancel_at_period_end"] == "true"
        # This version schedules a period-end cancellation by both fields, and unscheduling clears both.
        subscription.update(cancel_at_period_end=pending, cancel_at=period_end(subscription) if pending else None)
    if "cancel_at" in params:
        value = params["cancel_at"]
        cancel_at = None if value == "" else period_end(subscription) if not value.isdigit() else int(value)
        subscription.update(cancel_at=cancel_at, cancel_at_period_end=False if cancel_at is None else subscription["cancel_at_period_end"])
    subscription["_last_proration_behavior"] = params.get("proration_behavior")
    return public(subscription)


def make_item(price, sub_id, end):
    return {"id": new_id("si"), "object": "subscription_item", "price": STATE["prices"][price], "quantity": 1,
            "subscription": sub_id, "current_period_start": end - 30 * 86400, "current_period_end": end, "metadata": {}}


def public(obj):
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def snapshot(obj):
    return json.loads(json.dumps(public(obj)))


def invoice_for(subscription, type_):
    return {"id": new_id("in"), "object": "invoice", "customer": subscription["customer"],
            "status": "paid" if type_ == "invoice.paid" else "open", "livemode": False,
            "parent": {"type": "subscription_details", "quote_details": None,
                       "subscription_details": {"metadata": subscription["metadata"], "subscription": subscription["id"]}}}


# --- webhooks --------------------------------------------------------------------------------

def sign(payload, timestamp):
    mac = hmac.new(ARGS.webhook_secret.encode(), ("%d." % timestamp).encode() + payload, hashlib.sha256)
    return "t=%d,v1=%s" % (timestamp, mac.hexdigest())


def deliver(event_id):
    payload = STATE["events"][event_id]
    request = urllib.request.Request(ARGS.webhook_url, data=payload, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "Stripe-Signature": sign(payload, int(now()))})
    context = ssl.create_default_context(cafile=ARGS.ca_file) if ARGS.ca_file else ssl.create_default_context()
    try:
        with urllib.request.urlopen(request, context=context, timeout=15) as response:
            return {"event_id": event_id, "status": response.status, "body": response.read().decode("utf-8", "replace")}
    except urllib.error.HTTPError as error:
        return {"event_id": event_id, "status": error.code, "body": error.read().decode("utf-8", "replace")}
    except Exception as error:  # noqa: BLE001 - reported to the test
        return {"event_id": event_id, "status": 0, "body": repr(error)}


def deliver_all(event_ids, concurrent):
    """Deliveries in the given order, one after another or all at once; results in that order."""
    if not concurrent:
        return [deliver(event_id) for event_id in event_ids]
    results = [None] * len(event_ids)

    def run(index, event_id):
        results[index] = deliver(event_id)

    threads = [threading.Thread(target=run, args=(i, e)) for i, e in enumerate(event_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def make_event(type_, obj, created=None, event_id=None, previous=None):
    if type_ not in ENABLED_EVENTS:
        raise StripeFailure(400, "The endpoint is not subscribed to %s" % type_)
    data = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    event = {"id": event_id or new_id("evt"), "object": "event", "api_version": API_VERSION,
             "created": int(created if created is not None else now()), "livemode": False,
             "type": type_, "data": data, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}}
    STATE["events"][event["id"]] = json.dumps(event, separators=(",", ":")).encode()
    return event


def complete_checkout(session_id, options):
    with LOCK:
        session = find_session(session_id)
        if session["status"] != "open":
            raise StripeFailure(400, "This Checkout Session is already complete.")
        customer = session["customer"] or create_customer({})["id"]
        at = int(now())
        end = at + 30 * 86400
        sub_id = new_id("sub")
        subscription = {"id": sub_id, "object": "subscription", "customer": customer, "status": "incomplete",
                        "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "ended_at": None,
                        "created": at, "start_date": at, "livemode": False,
                        "items": {"object": "list", "data": [make_item(i["price"], sub_id, end) for i in session["_line_items"]],
                                  "has_more": False, "url": "/v1/subscription_items?subscription=" + sub_id},
                        "metadata": (session["_subscription_data"] or {}).get("metadata") or {}}
        STATE["subscriptions"][sub_id] = subscription
        created = make_event("customer.subscription.created", snapshot(subscription), at)
        final = options.get("status", "active")
        paid = dict(snapshot(subscription), status=final)
        events = {"customer.subscription.created": created,
                  "customer.subscription.updated": make_event("customer.subscription.updated", paid, at,
                                                              previous={"status": "incomplete"}),
                  "invoice.paid": make_event("invoice.paid", invoice_for(subscription, "invoice.paid"), at)}
        session.update(status="complete", payment_status="paid", customer=customer, subscription=sub_id, url=None)
        events["checkout.session.completed"] = make_event("checkout.session.completed", public(session), at)
        if "order" in options:
            order = list(options["order"])
        else:
            order = list(events)
            random.shuffle(order)
        early = bool(options.get("early_created")) and "customer.subscription.created" in order
        SLOW.update(incomplete_ms=min(int(options.get("slow_incomplete_ms", 0)), 2000), incomplete_reads=0)
    deliveries = []
    if early:
        order.remove("customer.subscription.created")
        first = threading.Thread(target=lambda: deliveries.append(deliver(created["id"])))
        first.start()
        for _ in range(100):  # until its fetch has read the subscription still incomplete (2 s at most)
            with LOCK:
                if SLOW["incomplete_reads"]:
                    break
            time.sleep(0.02)
    with LOCK:
        subscription["status"] = final
    deliveries += deliver_all([events[name]["id"] for name in order], bool(options.get("concurrent")))
    if early:
        first.join(30)
    with LOCK:
        SLOW["incomplete_ms"] = 0
    return {"subscription": public(subscription), "session": public(session), "deliveries": deliveries,
            "order": (["customer.subscription.created"] if early else []) + order}


def send_event(options):
    with LOCK:
        type_ = options["type"]
        subscription = find_subscription(options["subscription"])
        subscription.update(options.get("set") or {})
        if type_ == "customer.subscription.deleted":
            subscription.update(status="canceled", ended_at=int(now()), canceled_at=int(now()))
        obj = snapshot(subscription)
        obj.update(options.get("object") or {})
        if type_.startswith("invoice."):
            obj = invoice_for(subscription, type_)
        event = make_event(type_, obj, options.get("created"), options.get("id"))
    return {"event": event, "delivery": deliver(event["id"])}


# --- HTTP ------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeStripe/1"

    def log_message(self, fmt, *args):
        print("fake_stripe: " + fmt % args, flush=True)

    def date_time_string(self, timestamp=None):
        """The Date header from Stripe's clock, which Skannr orders states by."""
        return super().date_time_string(now() if timestamp is None else timestamp)

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        self.send_header("Stripe-Version", API_VERSION)
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
        parts = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        try:
            if parts.path.startswith("/_test/"):
                self.send_json(200, self.control(method, parts.path, json.loads(body or b"{}")))
            elif parts.path.startswith("/v1/"):
                self.stripe(method, parts.path, parts.query, body)
            else:
                raise StripeFailure(404, "Unrecognized request URL (%s: %s)." % (method, parts.path))
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
        if method == "POST" and parts[1] == "clock":
            with LOCK:
                CLOCK["offset_seconds"] = max(-3600, min(3600, int(options.get("offset_seconds", 0))))
                return dict(CLOCK)
        if method == "POST" and parts[1] == "portal":
            with LOCK:
                STATE["portal_default_saved"] = bool(options.get("saved", True))
                return {"saved": STATE["portal_default_saved"]}
        if method == "POST" and parts[1] == "fail_mode":
            with LOCK:
                FAIL.update(mode=options.get("mode", "off"), hang_seconds=min(int(options.get("hang_seconds", 30)), 60))
                return dict(FAIL)
        if method == "GET" and parts[1] == "requests":
            with LOCK:
                return {"requests": list(REQUESTS)}
        if method == "GET" and parts[1] == "state":
            with LOCK:
                return {k: v for k, v in STATE.items() if k != "events"} | {"fail": FAIL, "api_version": API_VERSION}
        raise StripeFailure(404, "Unknown test control %s %s" % (method, path))

    def stripe(self, method, path, query, body):
        authorization = self.headers.get("Authorization") or ""
        key = authorization[7:] if authorization.startswith("Bearer ") else ""
        authorized = key.startswith("sk_test_") and (ARGS.secret_key is None or key == ARGS.secret_key)
        idempotency_key = self.headers.get("Idempotency-Key")
        version = self.headers.get("Stripe-Version")
        with LOCK:
            mode, hang = FAIL["mode"], FAIL["hang_seconds"]
            REQUESTS.append({"method": method, "path": path, "idempotency_key": idempotency_key,
                             "authorized": authorized, "content_type": self.headers.get("Content-Type"),
                             "stripe_version": version, "body": body.decode("utf-8", "replace"), "fail_mode": mode})
        if mode == "hang":
            time.sleep(hang)
        if mode in ("500", "hang"):
            raise StripeFailure(500, "An unknown error occurred", type_="api_error")
        if not key:
            raise StripeFailure(401, "You did not provide an API key. You need to provide your API key in the "
                                     "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not authorized:
            raise StripeFailure(401, "Invalid API Key provided: %s****%s" % (key[:8], key[-4:]))
        if version != API_VERSION:
            raise StripeFailure(400, "Invalid Stripe API version: %s. This stand-in speaks only %s (Stripe itself would "
                                     "answer a request without the header in the account's default version)."
                                % (version or "(none)", API_VERSION))
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
                pattern, schema, ident = operation(method, path)
                params = parse_form(body.decode() if method == "POST" else query)
                validate(schema, params)
                status, answer = 200, self.route(method, pattern, ident, params)
            except StripeFailure as failure:
                status, answer = failure.status, failure.body()
            if method == "POST" and idempotency_key and status < 500:
                IDEMPOTENCY[idempotency_key] = ((path, body), status, answer)
            slow = 0
            if answer.get("object") == "subscription" and answer.get("status") == "incomplete":
                SLOW["incomplete_reads"] += 1
                slow = SLOW["incomplete_ms"]
        if slow:
            time.sleep(slow / 1000.0)  # the state was read before; it only reaches the client late
        self.send_json(status, answer)

    def route(self, method, pattern, ident, params):
        if pattern == "/v1/customers":
            return create_customer(params)
        if pattern == "/v1/customers/{id}":
            return update_customer(ident, params)
        if pattern == "/v1/checkout/sessions":
            return create_checkout_session(params)
        if pattern == "/v1/checkout/sessions/{id}":
            return public(find_session(ident))
        if pattern == "/v1/checkout/sessions/{id}/expire":
            return expire_checkout_session(ident)
        if pattern == "/v1/billing_portal/sessions":
            return create_portal_session(params)
        if pattern == "/v1/subscriptions/{id}" and method == "GET":
            return public(find_subscription(ident))
        return update_subscription(ident, params)


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
    parser.add_argument("--portal-unconfigured", action="store_true",
                        help="start like a new test-mode account: portal sessions need a saved default configuration")
    ARGS = parser.parse_args()
    host = urllib.parse.urlsplit(ARGS.webhook_url).hostname
    if host not in ("localhost", "127.0.0.1", "::1"):
        parser.error("the webhook URL must be on loopback")
    STATE["portal_default_saved"] = not ARGS.portal_unconfigured
    for price in ARGS.price:
        STATE["prices"][price] = {"id": price, "object": "price", "active": True, "currency": "usd", "type": "recurring",
                                  "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"},
                                  "unit_amount": 1000, "livemode": False}
    threading.Thread(target=watchdog, args=(ARGS.lifetime, ARGS.parent_pid), daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print("fake_stripe: listening on 127.0.0.1:%d" % ARGS.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
