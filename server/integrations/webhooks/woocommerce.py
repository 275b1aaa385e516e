"""WooCommerce order webhooks (topics order.created / order.updated; the body is the REST API v3 order).

Mapping to an OrderIntake:
- external_id: the order `id`; placed_at: `date_created_gmt` (UTC).
- customer: billing first + last name, e-mail, phone, company.
- lines: by `sku`, else by a barcode in the line's meta data (`_barcode`, `ean`, `gtin` …). A line's
  price is what the customer pays for one unit with taxes (Kladovka prices include VAT; WooCommerce
  keeps line amounts without tax and the tax beside them): (subtotal + subtotal_tax) / quantity,
  rounded up to the kopeck; the discount is the rest, so that price × qty − discount equals the line's
  total + total_tax exactly (coupons are already inside WooCommerce's line totals).
- delivery: shipping lines (cost with tax; `local_pickup` → pickup) plus fee lines, the shipping
  address (billing address when empty).
- payment: `cod` → cash on delivery, `bacs`/`cheque` → invoice, any other gateway → prepaid online;
  paid = the order total when `date_paid` is set (or `set_paid` is true), else 0.
The sum of the lines and the delivery cost equals the order's `total`.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.errors import ValidationFailed
from server.integrations.webhooks._money import kopecks, unit_price
from server.integrations.webhooks.common import address_text, comment_text, lenient_customer, text, whole

SIGNATURE_HEADER = "x-wc-webhook-signature"
TOPIC_HEADER = "x-wc-webhook-topic"
_PING = re.compile(rb"^webhook_id=\d{1,20}$")
BARCODE_META_KEYS = ("_barcode", "barcode", "_ean", "ean", "_alg_ean", "_gtin", "gtin", "_wpm_gtin_code",
                     "_global_unique_id")
_PAYMENT = {"cod": "cash_on_delivery", "bacs": "invoice", "cheque": "invoice"}


def is_ping(body: bytes) -> bool:
    """The form body WooCommerce posts when a webhook is saved: `webhook_id=<n>` (unsigned)."""
    return bool(_PING.match(body.strip()))


def is_order_topic(topic: str) -> bool:
    return not topic or topic.startswith("order.")


def creates_order(topic: str) -> bool:
    return topic in ("", "order.created")


def _barcode(meta: object) -> str:
    if not isinstance(meta, list):
        return ""
    for item in meta:
        if isinstance(item, dict) and str(item.get("key", "")).lower() in BARCODE_META_KEYS:
            value = text(item.get("value"), 64)
            if value:
                return value
    return ""


def _lines(items: object) -> list[IntakeLine]:
    if not isinstance(items, list) or not items:
        raise ValidationFailed("The webhook order has no lines", field="line_items")
    lines = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationFailed("The webhook order has no lines", field="line_items")
        where = f"line_items[{n}]"
        qty = whole(item.get("quantity"))
        gross = kopecks(item.get("subtotal"), where) + kopecks(item.get("subtotal_tax"), where)
        net = kopecks(item.get("total"), where) + kopecks(item.get("total_tax"), where)
        price, discount = unit_price(gross, net, qty)
        sku = text(item.get("sku"), 64)
        lines.append(IntakeLine(qty=qty, price=price, discount=discount, sku=sku,
                                barcode="" if sku else _barcode(item.get("meta_data")),
                                name=html.unescape(text(item.get("name"), 300))))
    return lines


def _paid_at(payload: dict) -> bool:
    return bool(payload.get("date_paid_gmt") or payload.get("date_paid") or payload.get("set_paid") is True)


def _placed_at(payload: dict) -> datetime | None:
    raw = payload.get("date_created_gmt")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _delivery(payload: dict) -> DeliveryInput:
    cost = 0
    pickup = False
    for n, line in enumerate(payload.get("shipping_lines") or []):
        if isinstance(line, dict):
            cost += kopecks(line.get("total"), f"shipping_lines[{n}]") + kopecks(line.get("total_tax"),
                                                                                f"shipping_lines[{n}]")
            pickup = pickup or str(line.get("method_id", "")).startswith("local_pickup")
    for n, fee in enumerate(payload.get("fee_lines") or []):
        if isinstance(fee, dict):
            cost += kopecks(fee.get("total"), f"fee_lines[{n}]") + kopecks(fee.get("total_tax"), f"fee_lines[{n}]")
    shipping = payload.get("shipping") if isinstance(payload.get("shipping"), dict) else {}
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    source = shipping if shipping.get("address_1") or shipping.get("city") else billing
    address = address_text(source.get("address_1"), source.get("address_2"), source.get("city"),
                           source.get("state"), source.get("postcode"), source.get("country"))
    return DeliveryInput(method="pickup" if pickup else "courier", address=address, cost=max(cost, 0))


def map_order(payload: object, channel: str) -> OrderIntake:
    """A WooCommerce order (the webhook body, parsed with parse_float=Decimal) → OrderIntake."""
    if not isinstance(payload, dict) or payload.get("id") in (None, ""):
        raise ValidationFailed("The webhook body is not an order", field="id")
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    customer = CustomerInput(
        name=" ".join(x for x in (text(billing.get("first_name"), 100), text(billing.get("last_name"), 100)) if x),
        email=text(billing.get("email"), 200), phone=text(billing.get("phone"), 40),
        company=text(billing.get("company"), 200))
    method = text(payload.get("payment_method"), 64)
    total = kopecks(payload.get("total"), "total")
    payment = PaymentInput(method=_PAYMENT.get(method, "prepaid_online" if method else "cash_on_delivery"),
                           paid=total if _paid_at(payload) else 0)
    notes = [("Комментарий покупателя", text(payload.get("customer_note"), 1000)),
             ("Оплата", text(payload.get("payment_method_title"), 200)),
             ("Номер на сайте", text(payload.get("number"), 40))]
    currency = text(payload.get("currency"), 8)
    if currency and currency.upper() not in ("RUB", "RUR"):
        notes.append(("Валюта", currency))
    fees = [text(f.get("name"), 100) for f in payload.get("fee_lines") or [] if isinstance(f, dict)]
    if any(fees):
        notes.append(("Сборы в стоимости доставки", ", ".join(f for f in fees if f)))
    customer = lenient_customer(customer, notes)
    return OrderIntake(channel=channel, external_id=text(payload.get("id"), 64), lines=_lines(payload.get("line_items")),
                       customer=customer, delivery=_delivery(payload), payment=payment,
                       comment=comment_text(notes), placed_at=_placed_at(payload))
