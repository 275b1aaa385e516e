"""/api/v1/orders: take an order (idempotent), list and read orders, change the status, record a payment.

POST answers 201 with the new order; a retry (the same `Idempotency-Key`, or the same channel and
external_id, with the same body — even while the first request is still running) answers 200 with
the same body and the header `Idempotent-Replayed: true`, creating nothing; the same key with a
different body is a 409 problem.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from server.config import get_settings
from server.domain.audit.log import day_range
from server.domain.orders.edits import record_payment
from server.domain.orders.intake import intake_order
from server.domain.orders.queries import OrderFilter, get_order, list_orders
from server.domain.orders.status import change_status
from server.domain.outbox.worker import wake
from server.routes.api.common import (
    CONFLICT,
    ID_PARAM,
    LIMIT_PARAM,
    MANAGE,
    NOT_FOUND,
    OFFSET_PARAM,
    PROBLEMS,
    UNPROCESSABLE,
    ApiController,
    actor,
    format_money,
    next_offset,
    parse_money,
    text_param,
)
from server.routes.api.orders_in import OrderIn, PaymentRecordIn, StatusIn, to_intake
from server.web.i18n import translate_error
from server.web.problems import api_language

Status = Literal["new", "confirmed", "picking", "packed", "out_for_delivery", "delivered", "closed", "cancelled",
                 "returned"]
WRITE_RESPONSES = {**PROBLEMS, **CONFLICT, **UNPROCESSABLE}
IDEMPOTENCY_KEY = Parameter(header="Idempotency-Key", required=False, min_length=1, max_length=255,
                            pattern=r"^[\x21-\x7e]+$",
                            description="Any unique string per order (e.g. a UUID): a retry with it returns the "
                                        "first result")


class IntakeLineOut(msgspec.Struct):
    line_no: int
    sku: str
    qty: int
    reserved: int
    shortage: int


class IntakeOut(msgspec.Struct):
    id: int
    number: str
    status: str
    total: str  # roubles, "1290.50"
    tracking_token: str
    lines: list[IntakeLineOut]


class RefOut(msgspec.Struct):
    id: int
    code: str
    name: str


class CustomerOut(msgspec.Struct):
    id: int
    name: str
    email: str
    phone: str
    inn: str
    company: str


class ContactOut(msgspec.Struct):
    name: str
    email: str
    phone: str


class OrderLineOut(msgspec.Struct):
    line_no: int
    variant_id: int
    sku: str
    name: str
    qty: int
    price: str
    discount: str
    amount: str  # qty × price − discount
    vat: str
    reserved: int
    shipped: int
    shortage: int


class TotalsOut(msgspec.Struct):
    goods: str
    discount: str
    delivery: str
    total: str


class PaymentOut(msgspec.Struct):
    method: str
    paid: str
    due: str


class OrderPaymentOut(msgspec.Struct):
    amount: str  # roubles, "1290.50"
    method: str  # cash_on_delivery, card_on_delivery, sbp, prepaid_online, invoice
    at: datetime


class DeliveryOut(msgspec.Struct):
    method: str
    address: str
    lat: float | None
    lon: float | None
    window_start: datetime | None
    window_end: datetime | None
    cost: str


class ZoneProblemOut(msgspec.Struct):
    code: str  # closed_day, outside_slots, below_minimum, slot_full, past_cutoff (zones/limits.py)
    message: str  # in the request's language


class OrderZoneOut(msgspec.Struct):
    id: int | None  # null: outside every zone, or no point yet
    name: str | None
    status: str  # in_zone, outside (no zone covers the point), no_point (no coordinates yet)
    problems: list[ZoneProblemOut]  # what does not fit the zone: flags, the order is taken all the same


class ChangeOut(msgspec.Struct):
    to: str
    to_label: str
    at: datetime
    actor: str
    comment: str
    from_: str | None = msgspec.field(name="from")


class OrderOut(msgspec.Struct):
    id: int
    number: str
    channel: str
    external_id: str
    status: str
    status_label: str
    customer: CustomerOut | None
    contact: ContactOut
    warehouse: RefOut | None
    lines: list[OrderLineOut]
    totals: TotalsOut
    payment: PaymentOut
    payments: list[OrderPaymentOut]  # the money paid towards it, oldest first (what came with it, each one since)
    delivery: DeliveryOut
    comment: str
    tracking_token: str
    manager: str | None
    placed_at: datetime
    created_at: datetime
    updated_at: datetime
    history: list[ChangeOut]
    allowed_transitions: list[str]
    zone: OrderZoneOut | None  # a courier order's delivery zone and its problems; null for other deliveries


class OrderRowOut(msgspec.Struct):
    id: int
    number: str
    channel: str
    external_id: str
    status: str
    status_label: str
    customer_id: int | None
    contact: ContactOut
    total: str
    paid: str
    payment_method: str
    delivery_method: str
    manager: str | None
    placed_at: datetime
    zone: OrderZoneOut | None  # a courier order's delivery zone and its problems; null for other deliveries


class OrderPage(msgspec.Struct):
    items: list[OrderRowOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def _money(kopecks: int) -> str:
    return format_money(kopecks) or "0.00"


def zone_out(zone: dict | None, lang: str) -> OrderZoneOut | None:
    if zone is None:
        return None
    return OrderZoneOut(id=zone["id"], name=zone["name"], status=zone["status"], problems=[
        ZoneProblemOut(code=p["kind"], message=translate_error(p["msgid"], p.get("params"), lang))
        for p in zone["problems"]])


def order_out(card: dict, lang: str) -> OrderOut:
    c, w, d, t, p = card["customer"], card["warehouse"], card["delivery"], card["totals"], card["payment"]
    return OrderOut(
        id=card["id"], number=card["number"], channel=card["channel"], external_id=card["external_id"],
        status=card["status"], status_label=card["status_label"],
        customer=CustomerOut(id=c["id"], name=c["name"], email=c["email"], phone=c["phone"], inn=c["inn"],
                             company=c["company"]) if c else None,
        contact=ContactOut(**card["contact"]),
        warehouse=RefOut(id=w["id"], code=w["code"], name=w["name"]) if w else None,
        lines=[OrderLineOut(line_no=x["line_no"], variant_id=x["variant_id"], sku=x["sku"], name=x["name"],
                            qty=x["qty"], price=_money(x["price"]), discount=_money(x["discount"]),
                            amount=_money(x["amount"]), vat=x["vat"], reserved=x["reserved"], shipped=x["shipped"],
                            shortage=x["shortage"]) for x in card["lines"]],
        totals=TotalsOut(goods=_money(t["goods"]), discount=_money(t["discount"]), delivery=_money(t["delivery"]),
                         total=_money(t["total"])),
        payment=PaymentOut(method=p["method"], paid=_money(p["paid"]), due=_money(p["due"])),
        payments=[OrderPaymentOut(amount=_money(x["amount"]), method=x["method"], at=x["at"])
                  for x in card["payments"]],
        delivery=DeliveryOut(method=d["method"], address=d["address"], lat=d["lat"], lon=d["lon"],
                             window_start=d["window_start"], window_end=d["window_end"], cost=_money(d["cost"])),
        comment=card["comment"], tracking_token=card["tracking_token"], manager=card["manager"],
        placed_at=card["placed_at"], created_at=card["created_at"], updated_at=card["updated_at"],
        history=[ChangeOut(from_=h["from"], to=h["to"], to_label=h["to_label"], at=h["at"], actor=h["actor"],
                           comment=h["comment"]) for h in card["history"]],
        allowed_transitions=card["allowed_transitions"], zone=zone_out(card.get("zone"), lang))


def _row_out(r: dict, lang: str) -> OrderRowOut:
    return OrderRowOut(id=r["id"], number=r["number"], channel=r["channel"], external_id=r["external_id"],
                       status=r["status"], status_label=r["status_label"], customer_id=r["customer"],
                       contact=ContactOut(name=r["contact_name"], email=r["contact_email"], phone=r["contact_phone"]),
                       total=_money(r["total"]), paid=_money(r["paid"]), payment_method=r["payment_method"],
                       delivery_method=r["delivery_method"], manager=r["manager"], placed_at=r["placed_at"],
                       zone=zone_out(r.get("zone"), lang))


CREATED_RESPONSES = {
    **WRITE_RESPONSES,
    200: ResponseSpec(data_container=IntakeOut, description="A retry of an earlier request: the first order, "
                                                            "nothing new created (header Idempotent-Replayed: true)"),
}


class OrderController(ApiController):
    path = "/api/v1/orders"
    tags = ["Orders"]

    @post("/", opt=MANAGE, status_code=201, responses=CREATED_RESPONSES,
          summary="Take an order: reserves what is in stock (the rest is the line's shortage)")
    async def create(self, request: Request[Any, Any, Any], data: OrderIn,
                     idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None) -> Response[IntakeOut]:
        result = await intake_order(to_intake(data), idempotency_key=idempotency_key, actor=actor(request))
        body = IntakeOut(id=result.order_id, number=result.number, status=result.status, total=_money(result.total),
                         tracking_token=result.tracking_token,
                         lines=[IntakeLineOut(line_no=x.line_no, sku=x.sku, qty=x.qty, reserved=x.reserved,
                                              shortage=x.qty - x.reserved) for x in result.lines])
        if result.created:
            wake()  # this process's outbox worker tells the boards and the customer at once
            return Response(body, status_code=201)
        return Response(body, status_code=200, headers={"Idempotent-Replayed": "true"})

    @get("/", opt=MANAGE, responses={**PROBLEMS, **UNPROCESSABLE}, summary="Orders, newest first")
    async def list_(self, request: Request[Any, Any, Any], status: Status | None = None,
                    channel: Annotated[str, text_param(32, "Channel code")] = "",
                    manager: Annotated[str, text_param(64, "Username of the manager in charge")] = "",
                    q: Annotated[str, text_param(200, "Number, external id, phone, e-mail or name")] = "",
                    date_from: Annotated[str, Parameter(query="from", max_length=10, pattern=r"^[0-9-]*$",
                                                        description="Placed on or after (YYYY-MM-DD, shop time)")] = "",
                    date_to: Annotated[str, Parameter(query="to", max_length=10, pattern=r"^[0-9-]*$",
                                                      description="Placed on or before (YYYY-MM-DD)")] = "",
                    limit: Annotated[int, LIMIT_PARAM] = 50,
                    offset: Annotated[int, OFFSET_PARAM] = 0) -> OrderPage:
        since, until = day_range(date_from, date_to, get_settings().timezone)
        rows, total = await list_orders(OrderFilter(status=status or "", channel=channel, manager=manager, query=q,
                                                    since=since, until=until), limit=limit, offset=offset)
        return OrderPage(items=[_row_out(r, api_language(request)) for r in rows], total=total, limit=limit, offset=offset,
                         next_offset=next_offset(offset, len(rows), total))

    @get("/{order_id:int}", opt=MANAGE, responses={**PROBLEMS, **NOT_FOUND},
         summary="An order with its lines (reserved, shortage), customer, delivery, its delivery zone and the "
                 "zone's problems (codes and words in the request's language), payment, its payments and history")
    async def read(self, request: Request[Any, Any, Any], order_id: Annotated[int, ID_PARAM]) -> OrderOut:
        return order_out(await get_order(order_id), api_language(request))

    @post("/{order_id:int}/status", opt=MANAGE, status_code=200, responses={**WRITE_RESPONSES, **NOT_FOUND},
          summary="Change the status (see allowed_transitions); cancelling releases, shipping consumes stock")
    async def status(self, request: Request[Any, Any, Any], order_id: Annotated[int, ID_PARAM],
                     data: StatusIn) -> OrderOut:
        await change_status(order_id, data.status, actor=actor(request), comment=data.comment)
        wake()
        return order_out(await get_order(order_id), api_language(request))

    @post("/{order_id:int}/payments", opt=MANAGE, status_code=200, responses={**WRITE_RESPONSES, **NOT_FOUND},
          summary="Record a payment received for the order (amount in roubles)")
    async def payment(self, request: Request[Any, Any, Any], order_id: Annotated[int, ID_PARAM],
                      data: PaymentRecordIn) -> OrderOut:
        await record_payment(order_id, parse_money(data.amount) or 0, data.method, actor=actor(request))
        return order_out(await get_order(order_id), api_language(request))
