"""Who may open what: every registered route of create_app(), every method, every role.

The expected policy is data (POLICY below). Three checks:
1. every route (method + path) is covered by the policy — a new route forces a decision here;
2. what each handler declares in `opt` (public / roles, owner implied) equals the policy;
3. real requests: anonymous, a signed-in user of each role, and an API token of each role (for /api)
   are let through (any answer but 401/403 and the login redirect: 404/422 mean "past the guard") or
   refused (401/403, or 303 to /login for an anonymous browser) exactly as the policy says.
Path parameters get a plausible value (1); bodies are empty (the guard runs before validation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from harness import csrf_headers
from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.domain.users.accounts import create_user
from server.domain.users.tokens import create_token
from tests.routes.admin_helpers import sign_in

ROLES = ("owner", "manager", "picker", "courier", "cashier")
PUBLIC = frozenset({"anonymous", *ROLES})
READ, WRITE, ANY = frozenset({"GET", "HEAD"}), frozenset({"POST", "PUT", "PATCH", "DELETE"}), frozenset()


def roles(*names: str) -> frozenset[str]:
    return frozenset({"owner", *names})  # the owner may do everything


# (path, methods, audience). A path is a prefix covering itself and everything below it ("/manager"
# covers "/manager/x"), or, starting with "=", exactly one path. The most specific entry wins: the
# longest path, then a method-specific entry over ANY.
POLICY: list[tuple[str, frozenset[str], frozenset[str]]] = [
    # public: sign-in, health, the root redirect, static files, OpenAPI, what makes a PWA installable
    ("=/", ANY, PUBLIC),
    ("/healthz", ANY, PUBLIC),
    ("/login", ANY, PUBLIC),
    ("/logout", ANY, PUBLIC),
    ("/static", ANY, PUBLIC),
    ("/schema", ANY, PUBLIC),
    ("/hooks", ANY, PUBLIC),  # shop webhooks: the HMAC signature is the credential
    ("/feeds", ANY, PUBLIC),  # YML feeds: the feed token is the credential
    ("/exchange/1c", ANY, PUBLIC),  # the shop's 1C: HTTP Basic against the channel inside the handler
    ("=/t/push/key", ANY, PUBLIC),  # web push for the customer's tracking page
    ("=/t/{token:str}/push", ANY, PUBLIC),
    ("=/t/{token:str}", ANY, PUBLIC),  # the customer's tracking page: the token is the credential
    ("=/t/{token:str}/eta", ANY, PUBLIC),  # its arrival block, re-read every minute
    ("=/t/sw.js", ANY, PUBLIC),  # its service worker (push notifications only)
    *[(f"=/{app}/{page}", ANY, PUBLIC) for app in ("manager", "warehouse", "courier")
      for page in ("manifest.webmanifest", "sw.js", "offline")],
    # manager app: managers and cashiers look things up; only managers change anything
    ("/manager", READ, roles("manager", "cashier")),
    ("/manager", WRITE, roles("manager")),
    ("/manager/catalog", READ, roles("manager", "cashier")),
    ("/manager/catalog", WRITE, roles("manager")),
    # creating and changing products, price types and categories: managers only (cashiers get 403)
    ("=/manager/catalog/new", ANY, roles("manager")),
    ("=/manager/catalog/{product_id:int}/edit", ANY, roles("manager")),
    ("/manager/catalog/{product_id:int}/variants", ANY, roles("manager")),
    ("/manager/price-types", ANY, roles("manager")),
    ("/manager/categories", ANY, roles("manager")),
    ("/manager/documents", ANY, roles("manager")),
    ("/manager/warehouses", ANY, roles("manager")),  # warehouses and bins: see, create, change, close
    ("/manager/admin", ANY, roles()),  # users, API tokens, audit log: the owner only
    ("/manager/notifications", ANY, roles()),  # message templates: the owner only
    ("/manager/notifications/log", ANY, roles("manager")),  # delivery log and "send again": managers too
    ("/manager/orders", READ, roles("manager", "cashier")),  # order board, cards, live updates (SSE)
    ("/manager/orders", WRITE, roles("manager")),  # status, payment, re-reservation, manager in charge
    ("/manager/orders/new", ANY, roles("manager")),  # orders taken by phone
    ("/manager/customers", READ, roles("manager", "cashier")),  # customer cards: cashiers look them up
    ("/manager/customers", WRITE, roles("manager")),
    ("/manager/customers/{customer_id:int}/merge", ANY, roles("manager")),  # merging cards: managers only
    ("/manager/shortages", ANY, roles("manager")),  # open demand and re-reservation
    ("/manager/order-statuses", ANY, roles()),  # status names and "notify the customer": the owner only
    ("/manager/channels", ANY, roles("manager")),  # sales channels, their sync, "send again"
    ("/manager/catalog-import", ANY, roles("manager")),  # CommerceML catalog upload with progress
    ("/manager/zones", ANY, roles("manager")),  # delivery zones: map, form, GeoJSON import/export
    ("/manager/couriers", ANY, roles("manager")),  # couriers (vehicle, capacity, shift) and the depot points
    ("/manager/reports", ANY, roles("manager")),  # reports: who picked what and how fast
    ("/manager/delivery", ANY, roles("manager")),  # delivery planning: map, routes, optimise, publish, sheets
    ("=/manager/delivery/live", READ, roles("manager")),  # the planning map's live updates (SSE)
    ("/manager/receipts", READ, roles("manager", "cashier")),  # 54-FZ receipts, an order's payments
    ("/manager/receipts", WRITE, roles("manager")),  # send a receipt again; the SBP test double's "paid"
    ("/manager/cash", ANY, roles("cashier")),  # cash handover and the shift report: cashiers (and the owner)
    ("=/fiscal/atol/callback", ANY, PUBLIC),  # ATOL's report callback: matched by uuid + external_id
    # JSON API (tokens only): pickers read products, warehouses and stock; managers do the rest
    ("/api/v1", READ, roles("manager", "picker")),
    ("/api/v1", WRITE, roles("manager")),
    ("/api/v1/documents", ANY, roles("manager")),
    ("/api/v1/orders", ANY, roles("manager")),  # orders: take (API tokens of sites), list, read, change
    ("/api/v1/warehouses", WRITE, roles("manager")),  # create and change warehouses and bins (pickers read)
    # the other apps
    # warehouse app: pickers, and managers who pick in a small shop; it shows no prices or payments
    ("/warehouse", ANY, roles("picker", "manager")),
    ("/courier", ANY, roles("courier")),  # the courier app: only the courier's own route (another's stop: 404)
    ("/courier/route", ANY, roles("courier")),  # starting today's route
    ("/courier/stop", ANY, roles("courier")),  # a stop: statuses, cash/card payments, SBP QR and its check
    ("=/courier/position", ANY, roles("courier")),  # the phone's position, once a minute when allowed
    ("/courier/live", READ, roles("courier")),  # the courier's own route news (SSE); another courier's id: 403
]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the route's template, e.g. /manager/documents/{document_id:int}
    audience: frozenset[str]  # declared by the handler's opt


def endpoints(app: Litestar) -> list[Endpoint]:
    found = []
    for route in app.routes:
        handler_map = getattr(route, "route_handler_map", None)
        if handler_map is None:
            raise AssertionError(f"a non-HTTP route needs a policy decision here: {route.path}")
        for method, (handler, _kwargs) in handler_map.items():
            found.append(Endpoint(method, route.path, declared(handler.opt or {})))
    return sorted(found, key=lambda e: (e.path, e.method))


def declared(opt: dict) -> frozenset[str]:
    if opt.get("public"):
        return PUBLIC
    if opt.get("roles"):
        return roles(*opt["roles"])
    return frozenset()  # no declaration: nobody, not even the owner


def _covers(rule: str, path: str) -> bool:
    if rule.startswith("="):
        return path == rule[1:]
    return path == rule or path.startswith(rule.rstrip("/") + "/")


def expected(method: str, path: str) -> frozenset[str] | None:
    best = None
    for rule, methods, audience in POLICY:
        if (methods and method not in methods) or not _covers(rule, path):
            continue
        rank = (len(rule.lstrip("=")), bool(methods))
        if best is None or rank > best[0]:
            best = (rank, audience)
    return best[1] if best else None


def policy_problems(app: Litestar) -> list[str]:
    """Routes the policy does not cover, and handlers whose declared audience differs from it."""
    problems = []
    by_path: dict[str, list[Endpoint]] = {}
    for e in endpoints(app):
        by_path.setdefault(e.path, []).append(e)
    for path, group in by_path.items():
        union = frozenset[str]().union(*(e.audience for e in group if e.method != "OPTIONS"))
        for e in group:
            if e.method == "OPTIONS":  # generated by Litestar (it answers only the Allow header) with
                # the controller's opt: it must not tell strangers what a non-public route accepts
                if "anonymous" in e.audience and "anonymous" not in union:
                    problems.append(f"OPTIONS {path}: public, but the route is not")
                continue
            want = expected(e.method, path)
            if want is None:
                problems.append(f"{e.method} {path}: not covered by POLICY in tests/routes/test_access_matrix.py")
            elif e.audience != want:
                problems.append(f"{e.method} {path}: declares {sorted(e.audience)}, policy says {sorted(want)}")
    return problems


def test_every_route_is_covered_and_declares_what_the_policy_says(app):
    assert policy_problems(app) == []


def test_the_policy_check_notices_new_and_wrong_routes():
    from litestar import get, post

    @get("/brand-new", opt={"public": True}, sync_to_thread=False)
    def brand_new() -> str:
        return ""

    @post("/manager/admin/leak", opt={"roles": {"manager"}}, sync_to_thread=False)
    def leak() -> str:
        return ""

    @get("/api/v1/forgotten", sync_to_thread=False)
    def forgotten() -> str:
        return ""

    problems = policy_problems(Litestar([brand_new, leak, forgotten]))
    assert any(p.startswith("GET /brand-new: not covered") for p in problems), problems
    assert any(p.startswith("POST /manager/admin/leak: declares ['manager', 'owner']") for p in problems)
    assert any(p.startswith("GET /api/v1/forgotten: declares []") for p in problems)


# --- the walk ------------------------------------------------------------------------------------

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
_SAMPLE = {"path": "/1", "uuid": "00000000-0000-4000-8000-000000000001"}


def concrete(path: str) -> str:
    return _PARAM.sub(lambda m: _SAMPLE.get(m.group(2) or "", "1"), path).replace("//", "/")


def _is_login_redirect(response) -> bool:
    return response.status_code in (302, 303, 307) and response.headers.get("location", "").startswith("/login")


async def _request(client, e: Endpoint, *, token: str | None = None):
    url = concrete(e.path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if e.method in WRITE:
        headers.update(csrf_headers(client))  # the guard, not the CSRF check, must decide
        if url.startswith("/api/"):
            return await client.request(e.method, url, json={}, headers=headers, follow_redirects=False)
        return await client.request(e.method, url, data={}, headers=headers, follow_redirects=False)
    return await client.request(e.method, url, headers=headers, follow_redirects=False)


ACTORS = ["anonymous", *ROLES, *[f"token:{r}" for r in ROLES]]


@pytest.mark.parametrize("actor", ACTORS)
async def test_each_role_gets_exactly_what_the_policy_allows(app, actor):
    for role in ROLES:
        await create_user(role, "demo", [role])
    token = None
    if actor.startswith("token:"):
        token = (await create_token(f"{actor} walk", [actor[6:]])).token
    walk = [e for e in endpoints(app) if token is None or e.path.startswith("/api/")]
    walk.sort(key=lambda e: e.path == "/logout")  # signing out last keeps the session for the rest
    wrong, broken = [], []
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        if actor in ROLES:
            await sign_in(client, actor)
        else:
            await client.get("/login")  # a CSRF cookie, so that writes reach the guard
        for e in walk:
            # sessions never open /api (it is exempt from CSRF); tokens open nothing else
            who = actor[6:] if token else ("anonymous" if e.path.startswith("/api/") else actor)
            audience = e.audience if e.method == "OPTIONS" else expected(e.method, e.path)
            if audience is None:
                continue  # not covered: the first test names it
            allowed = who in audience
            response = await _request(client, e, token=token)
            status = response.status_code
            # public pages may send people to /login (the root, sign-out); elsewhere that is a refusal
            refused = status in (401, 403) or (_is_login_redirect(response) and audience != PUBLIC)
            if allowed and refused:
                wrong.append(f"{e.method} {e.path}: {actor} was refused ({status}) but may use it")
            elif not allowed and not refused:
                wrong.append(f"{e.method} {e.path}: {actor} got {status} but must be refused")
            elif not allowed and who == "anonymous" and not e.path.startswith("/api/") and e.method == "GET":
                if not _is_login_redirect(response):
                    wrong.append(f"GET {e.path}: anonymous browser got {status}, not a redirect to /login")
            if status >= 500:
                broken.append(f"{e.method} {concrete(e.path)} as {actor}: {status}")
    assert wrong == []
    assert broken == [], "a route answered 5xx to an empty request (not an access problem, but a bug)"
