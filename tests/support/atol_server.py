"""A loopback HTTP server that plays ATOL Online API v5's side (formats.md §4), for tests and the e2e run.

Real sockets, one thread per request (ThreadingHTTPServer on 127.0.0.1, a free port). It knows nothing of
Kladovka's code: it checks what the provider checks, by the spec.

    from tests.support.atol_server import AtolServer

    server = AtolServer().start()           # login "demo-login", pass "demo-password", group "group_code_0001"
    server.url                              # "http://127.0.0.1:<port>/possystem/v5/" — KLADOVKA_ATOL_URL
    ...                                     # the code under test sends receipts
    server.documents                        # {uuid: {"operation", "external_id", "body", "status", "polls"}}
    server.sells()                          # bodies accepted for `sell` (sell_refund: server.sells("sell_refund"))
    server.requests                         # every request: Recorded(method, path, headers, body, status)
    server.stop()

Or as a context manager: `with AtolServer() as server: …`.

What it does
- `POST getToken` {"login","pass"} → {"token"} (wrong credentials: 401 with error code 12).
- `POST <group>/sell|sell_refund` needs header `Token` (or `?token=`) of a live token, else 401 with error
  code 11. The body is validated (external_id, timestamp dd.mm.yyyy HH:MM:SS, service.callback_url an http(s)
  URL when `service` is there, client email or phone, company inn (10/12 digits) / sno (the five of
  formats.md) / email / payment_address (the site's URL), items with name/price/quantity/sum/measure/
  payment_method/payment_object/vat; money as JSON numbers of roubles with at most two decimals (never
  strings), quantity above 0, sum = price × quantity to the kopeck, measure an FFD 1.2 tag 2108 code,
  payment_object an FFD 1.2 tag 1212 number, a known v5 VAT type and, when vat.sum is sent, the tax at that
  rate rounded half up to the kopeck; payment_object 31/33 need exactly one mark_code of a known kind
  (gs1m: base64 of the full code with GS) and mark_processing_mode "0", 30/32 carry none; payments of
  type 0–4 with sums above 0; vats[] of known types, each type's sum the Σ of its items' vat.sum when they carry one; total = Σ payments = Σ item sums): a bad body gets 400
  {"status": "fail", "error": {"code": 32, …}} and `server.rejected` lists the reasons. Accepted: {"uuid", "status": "wait"}. The same external_id again:
  409 {"uuid": <the first document's>, "error": {"code": 10}} — never a second document.
- `GET <group>/report/<uuid>`: "wait" for the first `waits` polls (default 1), then "done" with a fiscal
  payload (or "fail" when `outcome = "fail"`); an unknown uuid → 404.

Knobs (set them on the instance, between or before requests)
- `waits` (int): polls answered "wait" before the outcome; `outcome`: "done" | "fail".
- `fail_next(kind, times=1, path="")`: the next `times` requests (to paths containing `path`, e.g. "sell"
  or "report"; getToken is never hit) get kind "500" (HTTP 500, nothing done), "timeout" (the request IS
  carried out — a document is registered — but the answer is held `slow_s` seconds, default 2: point the
  client's timeout below it), or "refuse" (400 fail, code 32).
- `duplicate_with_uuid` (bool, default True): False answers a repeated external_id with the error alone
  (code 10, "uuid": null) — formats.md: "returns the existing uuid/error".
- `expire_tokens()`: every token given so far stops working (the next call gets 401 code 11).
- `report_json(uuid)`: the report as the provider would POST it to `service.callback_url` (tests post it
  to Kladovka's callback route themselves; `callbacks_to` = a URL makes the server post it when done).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import urllib.request
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

V5_VAT = {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22", "vat105", "vat107", "vat110", "vat120",
          "vat122"}
VAT_RATE = {"vat5": 5, "vat7": 7, "vat10": 10, "vat20": 20, "vat22": 22, "vat105": 5, "vat107": 7, "vat110": 10,
            "vat120": 20, "vat122": 22}  # vat0 / none: no tax
PAYMENT_METHODS = {"full_prepayment", "prepayment", "advance", "full_payment", "partial_payment", "credit",
                   "credit_payment"}
SNO = {"osn", "usn_income", "usn_income_outcome", "esn", "patent"}
ITEM_KEYS = ("name", "price", "quantity", "sum", "measure", "payment_method", "payment_object", "vat")
# FFD 1.2 tag 1212 (payment_object): 1 goods … 27, then 30/31 excise goods without/with a marking code and
# 32/33 marked goods without/with one.
PAYMENT_OBJECTS = set(range(1, 28)) | {30, 31, 32, 33}
WITH_CODE, WITHOUT_CODE = {31, 33}, {30, 32}
# FFD 1.2 tag 2108 (measure): 0 pieces, 10-12 g/kg/t, 20-22 cm/dm/m, 30-32 cm²/dm²/m², 40-42 ml/l/m³,
# 50/51 kWh/Gcal, 70-73 day/hour/minute/second, 80-83 KB/MB/GB/TB, 255 other.
MEASURES = {0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255}
MARK_CODE_KINDS = {"unknown", "ean8", "ean13", "itf14", "gs10", "gs1m", "short", "fur", "egais20", "egais30"}
PAYMENT_TYPES = {0, 1, 2, 3, 4}  # cash, electronic, prepayment offset, credit, other
GS = "\x1d"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class _Fault:
    kind: str
    times: int
    path: str = ""


def _kopecks(value: Any) -> int:
    return round(float(value) * 100)


def _number(value: Any) -> bool:
    """A JSON number (the provider refuses "4990.00" strings and true/false)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _money(value: Any) -> bool:
    """A number of roubles with at most two decimals (kopecks), not negative."""
    return _number(value) and value >= 0 and abs(value * 100 - round(value * 100)) < 1e-6


def _vat_of(total_kopecks: int, vat: str) -> int:
    """The tax inside a sum at the rate (the calculated rate 10/110 … for both forms), kopecks half up."""
    rate = VAT_RATE.get(vat, 0)
    return int((Decimal(total_kopecks) * rate / (100 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _gs1m_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return "gs1m must be a base64 string"
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return "gs1m is not base64 of the code's text"
    if text.startswith("01") and GS not in text:  # GS1 AIs without GS: the crypto tail is cut or GS dropped
        return "gs1m must be the full code as scanned, GS (ASCII 29) included"
    return None


def _item_problems(n: int, item: dict) -> list[str]:
    problems = []
    for key in ("price", "sum"):
        if not _money(item[key]):
            problems.append(f"items[{n}]: {key} {item[key]!r} must be a number of roubles with two decimals")
    if not _number(item["quantity"]) or item["quantity"] <= 0:
        problems.append(f"items[{n}]: quantity {item['quantity']!r} must be a number above 0")
    if problems:
        return problems
    if round(_kopecks(item["price"]) * float(item["quantity"])) != _kopecks(item["sum"]):
        problems.append(f"items[{n}]: sum {item['sum']} != price {item['price']} × quantity {item['quantity']}")
    if not _integer(item["measure"]) or item["measure"] not in MEASURES:
        problems.append(f"items[{n}]: measure {item['measure']!r} is not an FFD 1.2 unit code")
    vat = item.get("vat") if isinstance(item.get("vat"), dict) else {}
    if vat.get("type") not in V5_VAT:
        problems.append(f"items[{n}]: vat.type {vat.get('type')!r} unknown")
    elif "sum" in vat and (not _money(vat["sum"]) or _kopecks(vat["sum"]) != _vat_of(_kopecks(item["sum"]),
                                                                                      vat["type"])):
        problems.append(f"items[{n}]: vat.sum {vat['sum']!r} is not the {vat['type']} tax of {item['sum']}")
    if item["payment_method"] not in PAYMENT_METHODS:
        problems.append(f"items[{n}]: payment_method {item['payment_method']!r} unknown")
    kind = item["payment_object"]
    if not _integer(kind) or kind not in PAYMENT_OBJECTS:
        problems.append(f"items[{n}]: payment_object {kind!r} is not an FFD 1.2 tag 1212 number")
    code = item.get("mark_code")
    if kind in WITH_CODE:
        if not isinstance(code, dict) or len(code) != 1 or not next(iter(code.values()), None):
            problems.append(f"items[{n}]: mark_code with exactly one code required for payment_object {kind}")
        elif next(iter(code)) not in MARK_CODE_KINDS:
            problems.append(f"items[{n}]: mark_code.{next(iter(code))} unknown")
        elif "gs1m" in code and (bad := _gs1m_problem(code["gs1m"])):
            problems.append(f"items[{n}]: {bad}")
        if item.get("mark_processing_mode") != "0":
            problems.append(f"items[{n}]: mark_processing_mode \"0\" required with a marking code")
        if item["quantity"] != 1 and "mark_quantity" not in item:
            problems.append(f"items[{n}]: a marked unit is sold one per item")
    elif code is not None or "mark_processing_mode" in item:
        problems.append(f"items[{n}]: a marking code on payment_object {kind} (30/32: goods without a code)")
    if len(str(item["name"])) > 128:
        problems.append(f"items[{n}]: name longer than 128")
    return problems


def validate(body: Any) -> list[str]:
    """The provider's checks of a sell / sell_refund body (see the module's doc)."""
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    problems = []
    if not body.get("external_id") or not isinstance(body["external_id"], str):
        problems.append("external_id required")
    try:
        datetime.strptime(str(body.get("timestamp")), "%d.%m.%Y %H:%M:%S")
    except ValueError:
        problems.append("timestamp must be dd.mm.yyyy HH:MM:SS")
    service = body.get("service")
    if service is not None and not re.fullmatch(r"https?://\S+", str((service or {}).get("callback_url") or "")):
        problems.append("service.callback_url must be an http(s) URL (leave service out when there is none)")
    receipt = body.get("receipt")
    if not isinstance(receipt, dict):
        return [*problems, "receipt required"]
    client = receipt.get("client") or {}
    if not (client.get("email") or client.get("phone")):
        problems.append("client.email or client.phone required")
    if client.get("email") and "@" not in str(client["email"]):
        problems.append(f"client.email {client['email']!r} is not an e-mail")
    company = receipt.get("company") or {}
    for key in ("inn", "email", "payment_address", "sno"):
        if not company.get(key):
            problems.append(f"company.{key} required")
    if company.get("sno") and company["sno"] not in SNO:
        problems.append(f"company.sno {company['sno']!r} unknown")
    if company.get("inn") and not re.fullmatch(r"\d{10}|\d{12}", str(company["inn"])):
        problems.append("company.inn must be 10 or 12 digits")
    if company.get("payment_address") and not re.fullmatch(r"https?://\S+", str(company["payment_address"])):
        problems.append("company.payment_address must be the site's URL")
    items = receipt.get("items") or []
    if not items:
        problems.append("items required")
    items_sum = 0
    for n, item in enumerate(items, 1):
        missing = [k for k in ITEM_KEYS if k not in item]
        if missing:
            problems.append(f"items[{n}]: {', '.join(missing)} required")
            continue
        found = _item_problems(n, item)
        problems += found
        if _money(item["sum"]):
            items_sum += _kopecks(item["sum"])
    payments = receipt.get("payments") or []
    if not payments:
        problems.append("payments required")
    paid = 0
    for n, payment in enumerate(payments, 1):
        if not _integer(payment.get("type")) or payment["type"] not in PAYMENT_TYPES:
            problems.append(f"payments[{n}]: type {payment.get('type')!r} unknown")
        if not _money(payment.get("sum")) or payment["sum"] <= 0:
            problems.append(f"payments[{n}]: sum {payment.get('sum')!r} must be roubles above 0")
        else:
            paid += _kopecks(payment["sum"])
    taxed: dict[str, int] = {}  # the items' vat.sum per type, when they carry one
    for item in items:
        vat = item.get("vat") if isinstance(item, dict) and isinstance(item.get("vat"), dict) else {}
        if _money(vat.get("sum")):
            taxed[vat.get("type")] = taxed.get(vat.get("type"), 0) + _kopecks(vat["sum"])
    for n, vat in enumerate(receipt.get("vats") or [], 1):
        if not isinstance(vat, dict) or vat.get("type") not in V5_VAT or not _money(vat.get("sum")):
            problems.append(f"vats[{n}]: {vat!r} needs a known type and a sum")
        elif vat["type"] in taxed and _kopecks(vat["sum"]) != taxed[vat["type"]]:
            problems.append(f"vats[{n}]: {vat['type']} sum {vat['sum']} != Σ items' vat.sum {taxed[vat['type']] / 100}")
    if "total" not in receipt or not _money(receipt["total"]) or _kopecks(receipt["total"]) != paid:
        problems.append(f"total {receipt.get('total')} != Σ payments {paid / 100}")
    if items and items_sum != paid:
        problems.append(f"Σ items {items_sum / 100} != Σ payments {paid / 100}")
    return problems


class AtolServer:
    def __init__(self, *, login: str = "demo-login", password: str = "demo-password",
                 group: str = "group_code_0001", waits: int = 1, outcome: str = "done") -> None:
        self.login, self.password, self.group = login, password, group
        self.waits, self.outcome = waits, outcome
        self.slow_s = 2.0
        self.callbacks_to = ""
        self.duplicate_with_uuid = True
        self.requests: list[Recorded] = []
        self.documents: dict[str, dict[str, Any]] = {}
        self.by_external_id: dict[str, str] = {}
        self.rejected: list[list[str]] = []
        self.tokens: set[str] = set()
        self.token_count = 0
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.fiscal_counter = 0

    # ---- the API tests use ----------------------------------------------------------------------
    def start(self) -> AtolServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="atol-loopback", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> AtolServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/possystem/v5/"

    def fail_next(self, kind: str, times: int = 1, path: str = "") -> None:
        assert kind in ("500", "timeout", "refuse"), kind
        with self._lock:
            self._faults.append(_Fault(kind, times, path))

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def sells(self, operation: str = "sell") -> list[dict]:
        return [d["body"] for d in self.documents.values() if d["operation"] == operation]

    def report_json(self, uuid: str) -> dict[str, Any]:
        with self._lock:
            return self._report(self.documents[uuid], count=False)

    # ---- the provider's side ----------------------------------------------------------------------
    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.path in path and not path.endswith("getToken"):
                    fault.times -= 1
                    return fault.kind
        return None

    def _report(self, doc: dict[str, Any], *, count: bool = True) -> dict[str, Any]:
        if count:
            doc["polls"] += 1
        base = {"uuid": doc["uuid"], "timestamp": datetime.now().strftime("%d.%m.%Y %H:%M:%S"),
                "group_code": self.group, "daemon_code": "loopback-1", "device_code": "KKT000001",
                "external_id": doc["external_id"],
                "callback_url": (doc["body"].get("service") or {}).get("callback_url", "")}
        if doc["polls"] <= self.waits and doc["status"] == "wait":
            return {**base, "status": "wait", "error": None, "payload": None}
        if doc["status"] == "wait":
            doc["status"] = self.outcome
            if self.outcome == "done":
                self.fiscal_counter += 1
                doc["payload"] = {"total": doc["body"]["receipt"]["total"], "fns_site": "www.nalog.gov.ru",
                                  "fn_number": "9999078900000001", "shift_number": 12,
                                  "receipt_datetime": doc["body"]["timestamp"],
                                  "fiscal_receipt_number": self.fiscal_counter,
                                  "fiscal_document_number": 1000 + self.fiscal_counter,
                                  "ecr_registration_number": "0000000001012345",
                                  "fiscal_document_attribute": 3412345678 + self.fiscal_counter,
                                  "ofd_inn": "7704211201", "ofd_receipt_url": None}
            if self.callbacks_to:
                threading.Thread(target=self._post_callback, args=(doc["uuid"],), daemon=True).start()
        if doc["status"] == "done":
            return {**base, "status": "done", "error": None, "payload": doc["payload"]}
        return {**base, "status": "fail", "payload": None,
                "error": {"error_id": str(uuidlib.uuid4()), "code": 32, "text": "Ошибка валидации входящего чека",
                          "type": "system"}}

    def _post_callback(self, uuid: str) -> None:
        data = json.dumps(self.report_json(uuid)).encode()
        request = urllib.request.Request(self.callbacks_to, data=data, headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=5).close()
        except OSError:
            pass  # a callback may never arrive: the client polls

    def handle(self, method: str, path: str, query: dict, headers: dict, body: Any) -> tuple[int, Any]:
        prefix = "/possystem/v5/"
        if not path.startswith(prefix):
            return 404, {"error": {"code": 404, "text": "not found"}}
        route = path[len(prefix):]
        fault = self._take_fault(route)
        if fault == "500":
            return 500, {"error": {"code": 500, "text": "internal error", "type": "system"}}
        answer = self._answer(method, route, query, headers, body, fault)
        if fault == "timeout":  # done as asked, but answered too late: the client gives up first
            self._stopping.wait(self.slow_s)
        return answer

    def _answer(self, method: str, route: str, query: dict, headers: dict, body: Any,
                fault: str | None) -> tuple[int, Any]:
        if route == "getToken" and method == "POST":
            if not isinstance(body, dict) or body.get("login") != self.login or body.get("pass") != self.password:
                return 401, {"token": None, "error": {"code": 12, "text": "Неверный логин или пароль",
                                                      "type": "system"}, "timestamp": _ts()}
            token = uuidlib.uuid4().hex
            with self._lock:
                self.tokens.add(token)
                self.token_count += 1
            return 200, {"token": token, "error": None, "timestamp": _ts()}
        token = headers.get("token") or query.get("token", "")
        with self._lock:
            live = token in self.tokens
        if not live:
            return 401, {"error": {"code": 11, "text": "Токен не действителен", "type": "system"}, "timestamp": _ts()}
        parts = route.split("/")
        if len(parts) < 2 or parts[0] != self.group:
            return 400, {"error": {"code": 21, "text": "Неизвестный код группы", "type": "system"}}
        if method == "POST" and len(parts) == 2 and parts[1] in ("sell", "sell_refund"):
            if fault == "refuse":
                return 400, {"uuid": None, "status": "fail", "timestamp": _ts(),
                             "error": {"code": 32, "text": "Ошибка валидации входящего чека", "type": "system"}}
            return self._register(parts[1], body)
        if method == "GET" and len(parts) == 3 and parts[1] == "report":
            with self._lock:
                doc = self.documents.get(parts[2])
                if doc is None:
                    return 404, {"error": {"code": 34, "text": "Документ не найден", "type": "system"}}
                return 200, self._report(doc)
        return 404, {"error": {"code": 404, "text": "unknown operation", "type": "system"}}

    def _register(self, operation: str, body: Any) -> tuple[int, Any]:
        problems = validate(body)
        if problems:
            with self._lock:
                self.rejected.append(problems)
            return 400, {"uuid": None, "status": "fail", "timestamp": _ts(),
                         "error": {"code": 32, "text": "; ".join(problems)[:500], "type": "system"}}
        with self._lock:
            existing = self.by_external_id.get(body["external_id"])
            if existing:
                return 409, {"uuid": existing if self.duplicate_with_uuid else None, "status": "fail", "timestamp": _ts(),
                             "error": {"code": 10, "text": "Документ с таким external_id уже существует",
                                       "type": "system"}}
            uuid = str(uuidlib.uuid4())
            self.documents[uuid] = {"uuid": uuid, "operation": operation, "external_id": body["external_id"],
                                    "body": body, "status": "wait", "polls": 0, "payload": None}
            self.by_external_id[body["external_id"]] = uuid
        return 200, {"uuid": uuid, "status": "wait", "error": None, "timestamp": _ts()}


def _ts() -> str:
    return datetime.now().strftime("%d.%m.%Y %H:%M:%S")


def _handler_for(server: AtolServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _serve(self, method: str) -> None:
            from urllib.parse import parse_qs, urlsplit

            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = "<not json>"
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            recorded = Recorded(method, parts.path, headers, body)
            with server._lock:
                server.requests.append(recorded)
            status, answer = server.handle(method, parts.path, query, headers, body)
            recorded.status = status
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (a timeout test)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler
