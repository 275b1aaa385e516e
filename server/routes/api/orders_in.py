"""API order input: the request body of POST /api/v1/orders and its translation to an OrderIntake.

Money arrives in roubles (a decimal string "1290.50" or a JSON number, never rounded: more than two
decimals is refused by the body check with the field named); here it becomes kopecks exactly.
Goods, quantities, customers and warehouses are checked by the order intake itself, which lists
every problem with its field (`lines[0]`, `customer.phone` …).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from server.domain.orders.dto import CustomerInput, DeliveryInput, IntakeLine, OrderIntake, PaymentInput
from server.errors import DomainError, ValidationFailed
from server.routes.api.common import MAX_QTY, parse_money

Code = Annotated[str, Meta(min_length=1, max_length=64)]
Roubles = Annotated[Decimal, Meta(description="Roubles with at most two decimals, as a string or a number",
                                  examples=["1290.50"])]
Moment = Annotated[datetime, Meta(tz=True, description="ISO 8601 with a time zone",
                                  examples=["2026-12-01T10:00:00+03:00"])]
DeliveryMethod = Literal["courier", "pickup", "post", "transport_company"]
PaymentMethod = Literal["cash_on_delivery", "card_on_delivery", "sbp", "prepaid_online", "invoice"]
VatRate = Literal["22", "20", "10", "7", "5", "0", "none"]


class CustomerIn(msgspec.Struct, forbid_unknown_fields=True):
    """Who ordered. A card with the same e-mail, INN or phone (any format) is reused."""

    name: Annotated[str, Meta(max_length=300, examples=["Анна Петрова"])] = ""
    email: Annotated[str, Meta(max_length=254, examples=["anna@example.ru"])] = ""
    phone: Annotated[str, Meta(max_length=40, examples=["+7 916 123-45-67"])] = ""
    inn: Annotated[str, Meta(max_length=20, description="10 or 12 digits (companies, sole traders)")] = ""
    company: Annotated[str, Meta(max_length=300)] = ""


class OrderLineIn(msgspec.Struct, forbid_unknown_fields=True):
    """One line: the goods by `sku` or `barcode` (a package barcode multiplies `qty`), whole units, and
    the price of one unit in roubles; `discount` is roubles off the whole line."""

    qty: Annotated[int, Meta(ge=-MAX_QTY, le=MAX_QTY, description="Units, at least 1", examples=[2])]
    price: Roubles
    sku: Annotated[Code | None, Meta(examples=["KEN-250"])] = None
    barcode: Annotated[Code | None, Meta(examples=["4601234000013"])] = None
    discount: Roubles | None = None
    vat: Annotated[VatRate | None, Meta(description="Leave out for the product's rate")] = None
    name: Annotated[str, Meta(max_length=300, description="As the channel calls the goods")] = ""


class DeliveryIn(msgspec.Struct, forbid_unknown_fields=True):
    method: DeliveryMethod = "courier"
    address: Annotated[str, Meta(max_length=500)] = ""
    lat: Annotated[float, Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, Meta(ge=-180, le=180)] | None = None
    window_start: Moment | None = None
    window_end: Moment | None = None
    cost: Roubles | None = None


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    method: PaymentMethod = "cash_on_delivery"
    paid: Annotated[Roubles | None, Meta(description="Already paid (e.g. online at checkout)")] = None


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    """An order from a site, a marketplace or another system. A retry with the same `Idempotency-Key`
    header, or the same `channel` and `external_id`, returns the first order and creates nothing."""

    lines: Annotated[list[OrderLineIn], Meta(min_length=1, max_length=1000)]
    channel: Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$", examples=["site"])] = "api"
    external_id: Annotated[str, Meta(max_length=128, description="The channel's own order id",
                                     examples=["10045"])] = ""
    customer: CustomerIn | None = None
    delivery: DeliveryIn | None = None
    payment: PaymentIn | None = None
    comment: Annotated[str, Meta(max_length=4000)] = ""
    warehouse: Annotated[Annotated[str, Meta(min_length=1, max_length=32)] | None,
                         Meta(description="Warehouse code; leave out for the default one")] = None
    placed_at: Moment | None = None


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["new", "confirmed", "picking", "packed", "out_for_delivery", "delivered", "closed", "cancelled",
                    "returned"]
    comment: Annotated[str, Meta(max_length=2000)] = ""


class PaymentRecordIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: Roubles
    method: PaymentMethod = "prepaid_online"


def kopecks(value: Decimal | None, field: str, problems: list[DomainError]) -> int:
    if value is None:
        return 0
    amount = parse_money(value)
    if amount is None:  # pragma: no cover - the body check refuses such amounts first
        problems.append(ValidationFailed("Use roubles with at most two decimals, e.g. 123.45", field=field))
        return 0
    return amount


def to_intake(body: OrderIn) -> OrderIntake:
    """The body as the order intake's input; raises one ValidationFailed for lines naming both or
    neither of sku and barcode."""
    problems: list[DomainError] = []
    lines = []
    for n, line in enumerate(body.lines):
        if (line.sku is None) == (line.barcode is None):
            problems.append(ValidationFailed("Line %(line)s: give either sku or barcode", field=f"lines[{n}]",
                                             line=n + 1))
        lines.append(IntakeLine(qty=line.qty, price=kopecks(line.price, f"lines[{n}].price", problems),
                                sku=line.sku or "", barcode=line.barcode or "", name=line.name, vat=line.vat,
                                discount=kopecks(line.discount, f"lines[{n}].discount", problems)))
    c, d, p = body.customer or CustomerIn(), body.delivery or DeliveryIn(), body.payment or PaymentIn()
    delivery = DeliveryInput(method=d.method, address=d.address, lat=d.lat, lon=d.lon, window_start=d.window_start,
                             window_end=d.window_end, cost=kopecks(d.cost, "delivery.cost", problems))
    payment = PaymentInput(method=p.method, paid=kopecks(p.paid, "payment.paid", problems))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The order has %(count)s errors", problems=problems, count=len(problems))
    return OrderIntake(channel=body.channel, external_id=body.external_id, lines=lines,
                       customer=CustomerInput(name=c.name, email=c.email, phone=c.phone, inn=c.inn, company=c.company),
                       delivery=delivery, payment=payment, comment=body.comment, warehouse_code=body.warehouse,
                       placed_at=body.placed_at)
