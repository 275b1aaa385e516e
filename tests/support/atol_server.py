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
  code 11. The body is validated (external_id, timestamp dd.mm.yyyy HH:MM:SS, client email or phone, company
  inn/sno/email/payment_address, items with name/price/quantity/sum/measure/payment_method/payment_object/vat,
  sum = price × quantity to the kopeck, a known v5 VAT type, mark_code for payment_object 33, payments, total
  = Σ payments = Σ item sums): a bad body gets 400 {"status": "fail", "error": {"code": 32, …}} and
  `server.rejected` lists the reasons. Accepted: {"uuid", "status": "wait"}. The same external_id again:
  409 {"uuid": <the first document's>, "error": {"code": 10}} — never a second document.
- `GET <group>/report/<uuid>`: "wait" for the first `waits` polls (default 1), then "done" with a fiscal
  payload (or "fail" when `outcome = "fail"`); an unknown uuid → 404.

Knobs (set them on the instance, between or before requests)
- `waits` (int): polls answered "wait" before the outcome; `outcome`: "done" | "fail".
- `fail_next(kind, times=1, path="")`: the next `times` requests (to paths containing `path`, e.g. "sell"
  or "report"; getToken is never hit) get kind "500" (HTTP 500, nothing done), "timeout" (the request IS
  carried out — a document is registered — but the answer is held `slow_s` seconds, default 2: point the
  client's timeout below it), or "refuse" (400 fail, code 32).
- `expire_tokens()`: every token given so far stops working (the next call gets 401 code 11).
- `report_json(uuid)`: the report as the provider would POST it to `service.callback_url` (tests post it
  to Kladovka's callback route themselves; `callbacks_to` = a URL makes the server post it when done).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

V5_VAT = {"none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22", "vat105", "vat107", "vat110", "vat120",
          "vat122"}
PAYMENT_METHODS = {"full_prepayment", "prepayment", "advance", "full_payment", "partial_payment", "credit",
                   "credit_payment"}
SNO = {"osn", "usn_income", "usn_income_outcome", "esn", "patent"}
ITEM_KEYS = ("name", "price", "quantity", "sum", "measure", "payment_method", "payment_object", "vat")


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


def validate(body: Any) -> list[str]:
    """The provider's checks of a sell / sell_refund body (see the module's doc)."""
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    problems = []
    if not body.get("external_id"):
        problems.append("external_id required")
    try:
        datetime.strptime(str(body.get("timestamp")), "%d.%m.%Y %H:%M:%S")
    except ValueError:
        problems.append("timestamp must be dd.mm.yyyy HH:MM:SS")
    receipt = body.get("receipt")
    if not isinstance(receipt, dict):
        return [*problems, "receipt required"]
    client = receipt.get("client") or {}
    if not (client.get("email") or client.get("phone")):
        problems.append("client.email or client.phone required")
    company = receipt.get("company") or {}
    for key in ("inn", "email", "payment_address", "sno"):
        if not company.get(key):
            problems.append(f"company.{key} required")
    if company.get("sno") and company["sno"] not in SNO:
        problems.append(f"company.sno {company['sno']!r} unknown")
    if company.get("inn") and not re.fullmatch(r"\d{10}|\d{12}", str(company["inn"])):
        problems.append("company.inn must be 10 or 12 digits")
    items = receipt.get("items") or []
    if not items:
        problems.append("items required")
    items_sum = 0
    for n, item in enumerate(items, 1):
        missing = [k for k in ITEM_KEYS if k not in item]
        if missing:
            problems.append(f"items[{n}]: {', '.join(missing)} required")
            continue
        if round(_kopecks(item["price"]) * float(item["quantity"])) != _kopecks(item["sum"]):
            problems.append(f"items[{n}]: sum {item['sum']} != price {item['price']} × quantity {item['quantity']}")
        if (item.get("vat") or {}).get("type") not in V5_VAT:
            problems.append(f"items[{n}]: vat.type {(item.get('vat') or {}).get('type')!r} unknown")
        if item["payment_method"] not in PAYMENT_METHODS:
            problems.append(f"items[{n}]: payment_method {item['payment_method']!r} unknown")
        if item["payment_object"] == 33:
            code = item.get("mark_code") or {}
            if not code or not any(code.values()):
                problems.append(f"items[{n}]: mark_code required for payment_object 33")
            if item["quantity"] != 1:
                problems.append(f"items[{n}]: a marked unit is sold one per item")
        if len(str(item["name"])) > 128:
            problems.append(f"items[{n}]: name longer than 128")
        items_sum += _kopecks(item["sum"])
    payments = receipt.get("payments") or []
    if not payments:
        problems.append("payments required")
    for n, payment in enumerate(payments, 1):
        if payment.get("type") not in (0, 1, 2, 3, 4):
            problems.append(f"payments[{n}]: type {payment.get('type')!r} unknown")
    paid = sum(_kopecks(p.get("sum", 0)) for p in payments)
    if "total" not in receipt or _kopecks(receipt["total"]) != paid:
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
                return 409, {"uuid": existing, "status": "fail", "timestamp": _ts(),
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
