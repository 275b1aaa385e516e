"""The 54-FZ receipt as ATOL Online v5 wants it (`sell` / `sell_refund` body) — pure functions, no I/O.

Money comes in as integer kopecks and leaves as roubles with two decimals (the provider's JSON numbers;
the only place a float appears, at the wire).

Lines
- Each order line becomes one item, or two when its discount does not split evenly over its units
  (so that sum = price × quantity holds exactly on every item: the units that carry one extra kopeck go on
  an item of their own).
- A marked line (marking codes captured at picking, server/domain/marking) becomes one item per unit with
  quantity 1, payment_object 33 and `mark_code.gs1m` = base64 of the full code with GS; units of such a
  line without a captured code go out as payment_object 32 (marked goods without a code).
- Delivery is a service item (payment_object 4) with the VAT of the settings.
- VAT: the line's rate 22/20/10/7/5/0/none → vat22/vat20/vat10/vat7/vat5/vat0/none (an unknown rate is
  passed on as it is, and check_body refuses it). Each item's `vat.sum` is the tax inside its sum at its
  rate, in Decimal from the kopecks and rounded half up to the kopeck: vat22 and the calculated vat122 →
  sum × 22/122, vat20/vat120 → 20/120, vat10/vat110 → 10/110, vat7/vat107 → 7/107, vat5/vat105 → 5/105,
  vat0 and none → 0 (`vat_kopecks`; an unknown rate gets no sum). The receipt's `vats[]` is one
  {type, sum} per VAT type of its items, in the order they first appear: the sum of those items' vat.sum
  (so the receipt's tax is what its lines say; a line is never taxed twice by rounding).

Which receipt for which payment (our rule: one receipt per payment, and one at the handover of goods
settled by a prepayment):
- A payment that settles what is due ("final") gets the full receipt: every item, payment_method
  full_payment; payments = this payment (type 0 cash, 1 card or SBP) plus, when something was paid before
  (prepaid on the site, an earlier partial payment), a type 2 "prepayment offset" of that amount. The
  total equals the order's total.
- A payment that leaves something due ("partial") gets an advance receipt: one item «Частичная оплата
  заказа N», payment_method prepayment, payment_object 10 (payment), VAT at the calculated rate of the
  order's highest line rate (vat122, vat120 …; none stays none).
- Goods handed over when nothing is left to pay at the door and no receipt of ours settled the order
  (prepaid on the site in full, or the door's advances and returns left nothing due: `offset_body`,
  queued by receipts.queue_offset_sell when the order becomes delivered — the courier's stop delivered or
  partly delivered, or the status set otherwise; none when prepaid by invoice):
  the full receipt of what was handed over — every item of the order's lines as they are then (units
  handed back at the door are off them, with their marking codes), payment_method full_payment; payments
  = one type 2 "prepayment offset" of the order's total. One per order (external_id
  kladovka-order-<id>-sell-offset). When the rest was paid at the door, that payment's final receipt
  carries the offset already and no second receipt is made.
- Refunds (sell_refund) repeat the sell receipt's items and payments (the same marking codes); an offset
  receipt is refunded as it is (it was built after the goods handed back at the door had left the order).
- A refund of goods handed back at the door after paying (`door_refund_body`): the returned units only,
  as the order's lines had them (price after discount, VAT, payment object, the returned units' marking
  codes); payment_method full_payment when our final sell receipt settled them, full_prepayment when they
  were paid in advance in full (prepaid on the site) and not settled yet. When less than their value is
  given back (the order was only partly paid), the refund is of an advance: one «Частичная оплата» item of
  that amount, as the advance receipt had it. Payments: what goes back in cash (type 0) and electronically
  (type 1: card, SBP, online prepayment).

The client contact is the order's e-mail or phone; when the order has neither, the shop's e-mail
(ATOL needs one of them: the receipt then goes to the shop).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

VAT_TYPES = {"22": "vat22", "20": "vat20", "10": "vat10", "7": "vat7", "5": "vat5", "0": "vat0", "none": "none"}
CALCULATED_VAT = {"22": "vat122", "20": "vat120", "10": "vat110", "7": "vat107", "5": "vat105", "0": "vat0",
                  "none": "none"}
# the percentage of each v5 type (the calculated rates 122/120/110/107/105 carry the same tax, as x/(100+x))
VAT_PERCENT = {"vat22": 22, "vat20": 20, "vat10": 10, "vat7": 7, "vat5": 5, "vat122": 22, "vat120": 20, "vat110": 10,
               "vat107": 7, "vat105": 5, "vat0": 0, "none": 0}
PAYMENT_TYPES = {"cash": 0, "card": 1, "sbp": 1}
PREPAYMENT_OFFSET = 2
OBJECT_GOODS, OBJECT_SERVICE, OBJECT_PAYMENT, OBJECT_MARKED_NO_CODE, OBJECT_MARKED = 1, 4, 10, 32, 33
DELIVERY_NAME = "Доставка курьером"
NAME_LIMIT = 128  # tag 1030
SNO = ("osn", "usn_income", "usn_income_outcome", "esn", "patent")  # formats.md §4, company.sno


@dataclass(frozen=True)
class Company:
    inn: str
    sno: str
    email: str
    payment_address: str


def roubles(kopecks: int) -> float:
    """Kopecks as the provider's number of roubles (exact to the kopeck: kopecks < 2^53)."""
    return round(kopecks / 100, 2)


def vat_type(rate: str | None) -> str:
    """The v5 VAT enum of a rate; an unknown rate stays as it is (check_body then refuses it: a receipt
    is never silently VAT-free because a setting says "20%")."""
    key = str(rate or "none")
    return VAT_TYPES.get(key, key)


def vat_kopecks(sum_kopecks: int, vat: str) -> int | None:
    """The VAT inside a sum of `sum_kopecks` at the v5 type `vat` (sum × rate / (100 + rate)), whole
    kopecks rounded half up; None for a type we do not know (check_body refuses those)."""
    percent = VAT_PERCENT.get(vat)
    if percent is None:
        return None
    tax = Decimal(int(sum_kopecks)) * percent / (100 + percent)
    return int(tax.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_of(vat: str, sum_kopecks: int) -> dict[str, Any]:
    """An item's `vat` object: its type, and the tax of the item's sum when the type is known."""
    tax = vat_kopecks(sum_kopecks, vat)
    return {"type": vat} if tax is None else {"type": vat, "sum": roubles(tax)}


def receipt_vats(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The receipt's `vats[]`: per VAT type of the items (first appearance first), Σ of their vat.sum."""
    by_type: dict[str, int] = {}
    for item in items:
        vat = item.get("vat") or {}
        if "sum" in vat:
            by_type[vat["type"]] = by_type.get(vat["type"], 0) + round(vat["sum"] * 100)
    return [{"type": t, "sum": roubles(k)} for t, k in by_type.items()]


def gs1m(full_code: str) -> str:
    """`mark_code.gs1m`: base64 of the full marking code as scanned, GS (ASCII 29) included."""
    return base64.b64encode(full_code.encode("utf-8")).decode("ascii")


def atol_timestamp(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M:%S")


def _item(name: str, unit_kopecks: int, qty: int, *, vat: str, payment_object: int,
          payment_method: str = "full_payment") -> dict[str, Any]:
    return {"name": (name or "—")[:NAME_LIMIT], "price": roubles(unit_kopecks), "quantity": float(qty),
            "sum": roubles(unit_kopecks * qty), "measure": 0, "payment_method": payment_method,
            "payment_object": payment_object, "vat": vat_of(vat, unit_kopecks * qty)}


def _unit_prices(line: dict) -> list[tuple[int, int]]:
    """[(unit price, units)]: the line's sum after its discount spread over its units, whole kopecks."""
    qty = int(line["qty"])
    total = int(line["price"]) * qty - int(line.get("discount") or 0)
    base, extra = divmod(total, qty)
    return [(p, n) for p, n in ((base + 1, extra), (base, qty - extra)) if n > 0]


def line_items(line: dict, codes: list[str]) -> list[dict[str, Any]]:
    """The items of one order line (see the module's doc); `codes` are its units' full marking codes."""
    if int(line["qty"]) <= 0:
        return []
    vat = vat_type(line.get("vat"))
    name = line.get("name") or line.get("sku") or ""
    if not codes:
        return [_item(name, price, n, vat=vat, payment_object=OBJECT_GOODS) for price, n in _unit_prices(line)]
    items, left = [], list(codes)
    for price, n in _unit_prices(line):
        for _unit in range(n):
            if left:
                item = _item(name, price, 1, vat=vat, payment_object=OBJECT_MARKED)
                item["mark_processing_mode"] = "0"
                item["mark_code"] = {"gs1m": gs1m(left.pop(0))}
                items.append(item)
            else:
                items.append(_item(name, price, 1, vat=vat, payment_object=OBJECT_MARKED_NO_CODE))
    return items


def order_items(order: dict, lines: list[dict], codes: dict[int, list[str]], *,
                delivery_vat: str = "none") -> list[dict[str, Any]]:
    items = [item for line in lines for item in line_items(line, codes.get(line["id"], []))]
    if int(order.get("delivery_cost") or 0) > 0:
        items.append(_item(DELIVERY_NAME, int(order["delivery_cost"]), 1, vat=vat_type(delivery_vat),
                           payment_object=OBJECT_SERVICE))
    return items


def advance_item(order: dict, lines: list[dict], amount: int) -> dict[str, Any]:
    rates = [str(line.get("vat") or "none") for line in lines if int(line["qty"]) > 0]
    numeric = sorted((r for r in rates if r.isdigit()), key=int)
    rate = numeric[-1] if numeric else "none"
    return _item(f"Частичная оплата заказа {order['number']}", amount, 1, vat=CALCULATED_VAT.get(rate, rate),
                 payment_object=OBJECT_PAYMENT, payment_method="prepayment")


def client_of(order: dict, company: Company) -> dict[str, str]:
    client = {}
    if order.get("contact_email"):
        client["email"] = order["contact_email"]
    if order.get("contact_phone"):
        client["phone"] = order["contact_phone"]
    if order.get("contact_name"):
        client["name"] = order["contact_name"][:256]
    if "email" not in client and "phone" not in client:
        client["email"] = company.email
    return client


def sell_body(*, order: dict, lines: list[dict], codes: dict[int, list[str]], method: str, amount: int,
              paid_before: int, company: Company, external_id: str, timestamp: str, callback_url: str = "",
              delivery_vat: str = "none") -> dict[str, Any]:
    """The `sell` body for one payment of `amount` kopecks by `method` (cash | card | sbp) when
    `paid_before` kopecks of the order were paid before it."""
    total = int(order["total"])
    final = paid_before + amount >= total
    if final:
        items = order_items(order, lines, codes, delivery_vat=delivery_vat)
        payments = [{"type": PAYMENT_TYPES[method], "sum": roubles(amount)}]
        if total - amount > 0:
            payments.append({"type": PREPAYMENT_OFFSET, "sum": roubles(total - amount)})
        receipt_total = total
    else:
        items = [advance_item(order, lines, amount)]
        payments = [{"type": PAYMENT_TYPES[method], "sum": roubles(amount)}]
        receipt_total = amount
    return _body(external_id, timestamp, callback_url, client_of(order, company), company, items, payments,
                 receipt_total)


def offset_body(*, order: dict, lines: list[dict], codes: dict[int, list[str]], company: Company,
                external_id: str, timestamp: str, callback_url: str = "", delivery_vat: str = "none") -> dict[str, Any]:
    """The `sell` body of goods handed over against what was paid before (see the module's doc): the
    order's items, full_payment, settled by one type 2 prepayment offset of the order's total."""
    total = int(order["total"])
    items = order_items(order, lines, codes, delivery_vat=delivery_vat)
    payments = [{"type": PREPAYMENT_OFFSET, "sum": roubles(total)}]
    return _body(external_id, timestamp, callback_url, client_of(order, company), company, items, payments, total)


def is_offset(body: dict[str, Any]) -> bool:
    """Whether a sell body is settled by prepayment offset alone (an `offset_body`)."""
    payments = (body.get("receipt") or {}).get("payments") or []
    return bool(payments) and all(p.get("type") == PREPAYMENT_OFFSET for p in payments)


def refund_body(sell: dict[str, Any], *, external_id: str, timestamp: str) -> dict[str, Any]:
    """The `sell_refund` body that takes back a sell receipt: the same items, payments and codes."""
    body = {**sell, "external_id": external_id, "timestamp": timestamp}
    body["receipt"] = {**sell["receipt"]}
    return body


def door_refund_body(*, order: dict, returned: list[dict], codes: dict[int, list[str]], amount: int,
                     refunds: list[tuple[str, int]], settled: bool, company: Company, external_id: str,
                     timestamp: str, callback_url: str = "", advance_lines: list[dict] | None = None) -> dict[str, Any]:
    """The `sell_refund` body of goods handed back at the door (see the module's doc). `returned`: the
    returned part of each line (qty = units back, discount = the share of the line's discount they carried);
    `refunds`: [(method, kopecks)] summing to `amount`."""
    value = sum(int(x["price"]) * int(x["qty"]) - int(x.get("discount") or 0) for x in returned)
    if amount == value:
        method = "full_payment" if settled else "full_prepayment"
        items = [{**item, "payment_method": method}
                 for line in returned for item in line_items(line, codes.get(line["id"], []))]
    else:
        items = [advance_item(order, advance_lines or returned, amount)]
    by_type: dict[int, int] = {}
    for kind, kopecks in refunds:
        by_type[PAYMENT_TYPES.get(kind, 1)] = by_type.get(PAYMENT_TYPES.get(kind, 1), 0) + kopecks
    payments = [{"type": t, "sum": roubles(k)} for t, k in sorted(by_type.items()) if k > 0]
    return _body(external_id, timestamp, callback_url, client_of(order, company), company, items, payments, amount)


def without_refunded(body: dict[str, Any], refunded: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A sell_refund `body` less what earlier refund bodies (`refunded`) took back already: their goods units
    (same name, price, VAT and marking code), their advance sums, and their payments by type. None when
    nothing is left."""
    items = [dict(item) for item in body["receipt"]["items"]]
    payments = {p["type"]: round(p["sum"] * 100) for p in body["receipt"]["payments"]}
    for done in refunded:
        for gone in done["receipt"]["items"]:
            qty = gone["quantity"]
            for item in items:
                if qty <= 0:
                    break
                same = all(item.get(k) == gone.get(k) for k in ("name", "mark_code")) and (
                    (item.get("vat") or {}).get("type") == (gone.get("vat") or {}).get("type"))
                if gone["payment_object"] == OBJECT_PAYMENT and item["payment_object"] == OBJECT_PAYMENT:
                    left = round(item["sum"] * 100) - round(gone["sum"] * 100)
                    item.update({"price": roubles(max(left, 0)), "sum": roubles(max(left, 0))})
                    qty = 0
                elif same and item["price"] == gone["price"] and item["quantity"] > 0:
                    take = min(item["quantity"], qty)
                    item["quantity"] -= take
                    item["sum"] = roubles(round(item["price"] * 100) * int(item["quantity"]))
                    qty -= take
        for p in done["receipt"]["payments"]:
            payments[p["type"]] = payments.get(p["type"], 0) - round(p["sum"] * 100)
    items = [{**item, "vat": vat_of(item["vat"]["type"], round(item["sum"] * 100))}
             for item in items if item["quantity"] > 0 and item["sum"] > 0]
    left = {t: k for t, k in payments.items() if k > 0}
    if not items or not left:
        return None
    out = {**body, "receipt": {**body["receipt"], "items": items, "vats": receipt_vats(items),
                               "payments": [{"type": t, "sum": roubles(k)} for t, k in sorted(left.items())],
                               "total": roubles(sum(left.values()))}}
    return out


def _body(external_id: str, timestamp: str, callback_url: str, client: dict, company: Company,
          items: list[dict], payments: list[dict], total: int) -> dict[str, Any]:
    body: dict[str, Any] = {"external_id": external_id, "timestamp": timestamp}
    if callback_url:
        body["service"] = {"callback_url": callback_url}
    body["receipt"] = {
        "client": client,
        "company": {"email": company.email, "sno": company.sno, "inn": company.inn,
                    "payment_address": company.payment_address},
        "items": items,
        "payments": payments,
        "vats": receipt_vats(items),
        "total": roubles(total),
    }
    return body


def check_body(body: dict[str, Any]) -> list[str]:
    """What is wrong with a body by the rules the provider checks (used by the tests' loopback server and
    before sending): sums, totals, VAT enums, marking codes, client and company."""
    problems: list[str] = []
    receipt = body.get("receipt") or {}
    if not body.get("external_id"):
        problems.append("external_id is missing")
    try:
        datetime.strptime(str(body.get("timestamp", "")), "%d.%m.%Y %H:%M:%S")
    except ValueError:
        problems.append("timestamp is not dd.mm.yyyy HH:MM:SS")
    client = receipt.get("client") or {}
    if not (client.get("email") or client.get("phone")):
        problems.append("client needs an email or a phone")
    company = receipt.get("company") or {}
    for key in ("inn", "sno", "email", "payment_address"):
        if not company.get(key):
            problems.append(f"company.{key} is missing")
    if company.get("sno") and company["sno"] not in SNO:
        problems.append(f"company.sno {company['sno']!r} is not one of {', '.join(SNO)} (KLADOVKA_COMPANY_SNO)")
    if company.get("inn") and not re.fullmatch(r"\d{10}|\d{12}", str(company["inn"])):
        problems.append("company.inn is not 10 or 12 digits (KLADOVKA_COMPANY_INN)")
    if company.get("payment_address") and not re.fullmatch(r"https?://\S+", str(company["payment_address"])):
        problems.append("company.payment_address is not the site's URL (KLADOVKA_PAYMENT_ADDRESS)")
    items = receipt.get("items") or []
    if not items:
        problems.append("no items")
    allowed_vat = set(VAT_TYPES.values()) | set(CALCULATED_VAT.values())
    items_total = 0
    for n, item in enumerate(items, 1):
        for key in ("name", "price", "quantity", "sum", "measure", "payment_method", "payment_object", "vat"):
            if key not in item:
                problems.append(f"item {n}: {key} is missing")
        price, qty, total = item.get("price", 0), item.get("quantity", 0), item.get("sum", 0)
        if round(price * qty, 2) != round(total, 2):
            problems.append(f"item {n}: sum {total} is not price × quantity ({price} × {qty})")
        vat = item.get("vat") or {}
        if vat.get("type") not in allowed_vat:
            problems.append(f"item {n}: unknown vat type {vat.get('type')!r}")
        elif "sum" in vat and round(vat["sum"] * 100) != vat_kopecks(round(total * 100), vat["type"]):
            problems.append(f"item {n}: vat.sum {vat['sum']} is not the {vat['type']} tax of {total}")
        if item.get("payment_object") == OBJECT_MARKED and not (item.get("mark_code") or {}):
            problems.append(f"item {n}: marked goods (payment_object 33) without mark_code")
        items_total += round(total * 100)
    if "vats" in receipt and receipt["vats"] != receipt_vats(items):
        problems.append("vats are not the items' VAT summed per type")
    payments_total = sum(round(p.get("sum", 0) * 100) for p in receipt.get("payments") or [])
    if not receipt.get("payments"):
        problems.append("no payments")
    if round(receipt.get("total", 0) * 100) != payments_total:
        problems.append(f"total {receipt.get('total')} is not the sum of the payments")
    if items_total != payments_total:
        problems.append("the items do not add up to the payments")
    return problems
