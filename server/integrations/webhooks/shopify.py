"""Shopify order webhooks (topic orders/create; orders/updated, orders/paid … for orders we may have
missed). The body is the Order resource; an `{"order": …}` wrapper (REST responses) is accepted too.

Mapping to an OrderIntake:
- external_id: the order `id` (may exceed 2^53: parsed as int, kept as text); placed_at: `created_at`.
- customer: the customer's (else the billing address's) name, the order's e-mail and phone (else the
  billing or shipping phone), the billing company.
- lines: by `sku`. A line's price is what the customer pays for one unit with taxes: the unit `price`
  as is when `taxes_included`, else plus the line's tax (its `tax_lines`, or the order's `total_tax`
  shared over the lines in proportion). Line discounts (`discount_allocations`, else `total_discount`)
  and any order discount not allocated to lines (`total_discounts`) become line discounts.
- delivery: shipping lines' price (with tax when taxes come on top) less their discounts; the shipping
  address with its coordinates; "pickup" when a shipping line says so.
- payment: `financial_status` paid → paid the total; partially_paid → total − total_outstanding;
  otherwise 0. Gateway: cash on delivery / manual / bank deposit / others → prepaid online.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.errors import ValidationFailed
from server.integrations.webhooks._money import kopecks, spread, unit_price
from server.integrations.webhooks.common import address_text, comment_text, lenient_customer, text, whole

SIGNATURE_HEADER = "x-shopify-hmac-sha256"
TOPIC_HEADER = "x-shopify-topic"
TEST_HEADER = "x-shopify-test"


def is_order_topic(topic: str) -> bool:
    return not topic or topic.startswith("orders/")


def creates_order(topic: str) -> bool:
    return topic in ("", "orders/create")


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _sum(items: object, key: str, where: str) -> int:
    return sum(kopecks(_dict(x).get(key), where) for x in items) if isinstance(items, list) else 0


def _line_amounts(items: list[dict], order: dict) -> list[tuple[int, int, int]]:
    """(qty, gross, discount) per line, taxes and order discounts included as the docstring says."""
    rows = []
    for n, item in enumerate(items):
        where = f"line_items[{n}]"
        qty = whole(item.get("quantity"))
        allocations = item.get("discount_allocations")
        discount = (_sum(allocations, "amount", where) if isinstance(allocations, list) and allocations
                    else kopecks(item.get("total_discount"), where))
        rows.append([qty, kopecks(item.get("price"), where) * max(qty, 0), discount])
    if not order.get("taxes_included"):
        line_taxes = [_sum(item.get("tax_lines"), "price", f"line_items[{n}]") for n, item in enumerate(items)]
        if not any(line_taxes):
            line_taxes = spread(kopecks(order.get("total_tax"), "total_tax") - _shipping_tax(order),
                                [g - d for _q, g, d in rows])
        for row, tax in zip(rows, line_taxes, strict=True):
            row[1] += max(tax, 0)
    unallocated = kopecks(order.get("total_discounts"), "total_discounts") - sum(d for _q, _g, d in rows) - sum(
        _sum(_dict(s).get("discount_allocations"), "amount", "shipping_lines") for s in order.get("shipping_lines")
        or [])
    if unallocated > 0:
        for row, extra in zip(rows, spread(unallocated, [g - d for _q, g, d in rows]), strict=True):
            row[2] = min(row[1], row[2] + extra)
    return [(q, g, d) for q, g, d in rows]


def _shipping_tax(order: dict) -> int:
    return sum(_sum(_dict(s).get("tax_lines"), "price", "shipping_lines") for s in order.get("shipping_lines") or [])


def _lines(order: dict) -> list[IntakeLine]:
    items = order.get("line_items")
    if not isinstance(items, list) or not items or not all(isinstance(x, dict) for x in items):
        raise ValidationFailed("The webhook order has no lines", field="line_items")
    lines = []
    for item, (qty, gross, discount) in zip(items, _line_amounts(items, order), strict=True):
        price, line_discount = unit_price(gross, gross - discount, qty)
        lines.append(IntakeLine(qty=qty, price=price, discount=line_discount, sku=text(item.get("sku"), 64),
                                name=text(item.get("name") or item.get("title"), 300)))
    return lines


def _coordinate(value: object, limit: int) -> float | None:
    """Coordinates are not money: a float is fine (strings like "45.41634" in the payload)."""
    try:
        number = float(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def _delivery(order: dict) -> DeliveryInput:
    cost = 0
    pickup = False
    for n, line in enumerate(order.get("shipping_lines") or []):
        line = _dict(line)
        where = f"shipping_lines[{n}]"
        if "discounted_price" in line:
            cost += kopecks(line.get("discounted_price"), where)
        else:
            cost += kopecks(line.get("price"), where) - _sum(line.get("discount_allocations"), "amount", where)
        if not order.get("taxes_included"):
            cost += _sum(line.get("tax_lines"), "price", where)
        label = f"{line.get('code', '')} {line.get('title', '')}".lower()
        pickup = pickup or "pickup" in label or "самовывоз" in label
    ship = _dict(order.get("shipping_address"))
    address = address_text(ship.get("address1"), ship.get("address2"), ship.get("city"), ship.get("province"),
                           ship.get("zip"), ship.get("country"))
    lat = _coordinate(ship.get("latitude"), 90) if ship.get("latitude") not in (None, "") else None
    lon = _coordinate(ship.get("longitude"), 180) if ship.get("longitude") not in (None, "") else None
    return DeliveryInput(method="pickup" if pickup else "courier", address=address, cost=max(cost, 0),
                         lat=lat if lon is not None else None, lon=lon if lat is not None else None)


def _payment(order: dict) -> PaymentInput:
    gateways = [text(g, 64).lower() for g in order.get("payment_gateway_names") or [] if text(g, 64)]
    gateway = gateways[0] if gateways else text(order.get("gateway"), 64).lower()
    if "cash on delivery" in gateway or gateway in ("cash_on_delivery", "cod"):
        method = "cash_on_delivery"
    elif gateway in ("manual", "bank_deposit", "bank deposit", "money_order"):
        method = "invoice"
    else:
        method = "prepaid_online" if gateway else "cash_on_delivery"
    total = kopecks(order.get("total_price"), "total_price")
    status = text(order.get("financial_status"), 32)
    if status == "paid":
        paid = total
    elif status == "partially_paid":
        paid = max(total - kopecks(order.get("total_outstanding"), "total_outstanding"), 0)
    else:
        paid = 0
    return PaymentInput(method=method, paid=paid)


def _placed_at(order: dict) -> datetime | None:
    raw = order.get("created_at")
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) and raw else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _customer(order: dict) -> CustomerInput:
    person, billing, shipping = _dict(order.get("customer")), _dict(order.get("billing_address")), _dict(
        order.get("shipping_address"))
    name = " ".join(x for x in (text(person.get("first_name"), 100), text(person.get("last_name"), 100)) if x)
    return CustomerInput(
        name=name or text(billing.get("name"), 200) or text(shipping.get("name"), 200),
        email=text(order.get("email") or order.get("contact_email") or person.get("email"), 200),
        phone=text(order.get("phone") or billing.get("phone") or shipping.get("phone") or person.get("phone"), 40),
        company=text(billing.get("company"), 200))


def map_order(payload: object, channel: str) -> OrderIntake:
    """A Shopify order (the webhook body, parsed with parse_float=Decimal) → OrderIntake."""
    order = payload.get("order") if isinstance(payload, dict) and isinstance(payload.get("order"), dict) else payload
    if not isinstance(order, dict) or order.get("id") in (None, ""):
        raise ValidationFailed("The webhook body is not an order", field="id")
    attributes = "; ".join(f"{text(_dict(a).get('name'), 100)}: {text(_dict(a).get('value'), 200)}"
                           for a in order.get("note_attributes") or [] if _dict(a).get("name"))
    codes = ", ".join(text(_dict(c).get("code"), 64) for c in order.get("discount_codes") or [] if _dict(c).get("code"))
    notes = [("Комментарий покупателя", text(order.get("note"), 1000)), ("Дополнительно", attributes),
             ("Промокоды", codes), ("Номер на сайте", text(order.get("name") or order.get("order_number"), 40))]
    currency = text(order.get("currency"), 8)
    if currency and currency.upper() not in ("RUB", "RUR"):
        notes.append(("Валюта", currency))
    customer = lenient_customer(_customer(order), notes)
    return OrderIntake(channel=channel, external_id=text(order.get("id"), 64), lines=_lines(order),
                       customer=customer, delivery=_delivery(order), payment=_payment(order),
                       comment=comment_text(notes), placed_at=_placed_at(order))
