"""The read side of orders: the card, the filtered list, open shortages, the customer's tracking view."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from piccolo.query import WhereRaw

from server.domain.crm.normalise import like_words, normalise_phone
from server.domain.crm.tables import Customer
from server.domain.orders.settings import status_settings
from server.domain.orders.status import OPEN_STATUSES, allowed_transitions, order_lines
from server.domain.orders.tables import Order, OrderPayment, OrderStatusChange
from server.domain.stock.tables import Warehouse
from server.domain.zones.tables import DeliveryZone
from server.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class OrderFilter:
    status: str = ""
    channel: str = ""
    manager: str = ""
    query: str = ""  # number, external id, phone (any format), e-mail, the contact's name
    since: datetime | None = None  # placed at or after (UTC)
    until: datetime | None = None  # placed before (UTC)
    zone_status: str = ""  # "outside" / "no_point" / "in_zone": courier orders against the delivery zones


def _line(row: dict, open_: bool) -> dict:
    amount = row["qty"] * row["price"]
    return {"id": row["id"], "line_no": row["line_no"], "variant_id": row["variant"], "sku": row["sku"],
            "name": row["name"], "qty": row["qty"], "price": row["price"], "discount": row["discount"],
            "amount": amount - row["discount"], "vat": row["vat"], "reserved": row["reserved"],
            "shipped": row["shipped"],
            "shortage": max(row["qty"] - row["reserved"] - row["shipped"], 0) if open_ else 0}


async def _history(order_id: int, labels: dict[str, str]) -> list[dict]:
    rows = await OrderStatusChange.select().where(OrderStatusChange.order == order_id).order_by(
        OrderStatusChange.at).order_by(OrderStatusChange.id)
    return [{"from": r["from_status"], "to": r["to_status"], "from_label": labels.get(r["from_status"] or "", ""),
             "to_label": labels.get(r["to_status"], r["to_status"]), "at": r["at"], "actor": r["actor"],
             "comment": r["comment"]} for r in rows]


async def get_order(order_id: int) -> dict:
    """The order card: header, customer (card and the contact given with the order), warehouse, lines
    with reserved / shipped / shortage, totals, delivery, payment and its payments (list_payments), history and
    allowed transitions."""
    o = await Order.select().where(Order.id == order_id).first()
    if o is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    labels = {code: s.label for code, s in (await status_settings()).items()}
    open_ = o["status"] in OPEN_STATUSES
    customer = None
    if o["customer"] is not None:
        customer = await Customer.select(Customer.id, Customer.name, Customer.email, Customer.phone, Customer.inn,
                                         Customer.company, Customer.merged_into).where(
            Customer.id == o["customer"]).first()
    warehouse = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.id == o["warehouse"]).first()
    lines = [_line(r, open_) for r in await order_lines(order_id)]
    card = {
        "id": o["id"], "number": o["number"], "channel": o["channel"], "external_id": o["external_id"],
        "status": o["status"], "status_label": labels[o["status"]], "customer": customer,
        "contact": {"name": o["contact_name"], "email": o["contact_email"], "phone": o["contact_phone"]},
        "warehouse": warehouse, "lines": lines,
        "totals": {"goods": o["goods_total"], "discount": o["discount_total"], "delivery": o["delivery_cost"],
                   "total": o["total"]},
        "total": o["total"], "paid": o["paid"], "payment_method": o["payment_method"],
        "payment": {"method": o["payment_method"], "paid": o["paid"], "due": max(o["total"] - o["paid"], 0)},
        "delivery": {"method": o["delivery_method"], "address": o["delivery_address"], "lat": o["delivery_lat"],
                     "lon": o["delivery_lon"], "window_start": o["window_start"], "window_end": o["window_end"],
                     "cost": o["delivery_cost"]},
        "comment": o["comment"], "tracking_token": o["tracking_token"], "manager": o["manager"],
        "placed_at": o["placed_at"], "created_at": o["created_at"], "updated_at": o["updated_at"],
        "shortage": sum(x["shortage"] for x in lines),
        "history": await _history(order_id, labels),
        "payments": await list_payments(order_id),
        "zone": await _zone(o),
    }
    card["allowed_transitions"] = allowed_transitions(card)
    return card


async def _zone(o: dict) -> dict | None:
    """A courier order's delivery zone: {"id", "name" (None outside every zone), "status" (in_zone, outside,
    no_point), "problems" (the stored zone problems, [{kind, msgid, params}])}; None for other deliveries."""
    if not o["zone_status"]:
        return None
    problems = o["zone_problems"]
    if isinstance(problems, str):
        problems = json.loads(problems or "[]")
    name = None
    if o["delivery_zone_id"] is not None:
        row = await DeliveryZone.select(DeliveryZone.name).where(DeliveryZone.id == o["delivery_zone_id"]).first()
        name = row["name"] if row else None
    return {"id": o["delivery_zone_id"], "name": name, "status": o["zone_status"], "problems": list(problems or [])}


async def list_payments(order_id: int) -> list[dict]:
    """The money paid towards the order, oldest first: one {"id", "amount" (kopecks), "method"
    (PAYMENT_METHODS), "actor" (who recorded it; "" unknown), "at" (UTC)} per OrderPayment row — what came
    with the order and each payment recorded since. A refund removes none (Order.paid may be less)."""
    rows = await OrderPayment.select(OrderPayment.id, OrderPayment.amount, OrderPayment.method, OrderPayment.actor,
                                     OrderPayment.at).where(OrderPayment.order == order_id).order_by(
        OrderPayment.at).order_by(OrderPayment.id)
    return [{"id": r["id"], "amount": int(r["amount"]), "method": r["method"], "actor": r["actor"], "at": r["at"]}
            for r in rows]


def _filtered(select, f: OrderFilter):
    if f.status:
        select = select.where(Order.status == f.status)
    if f.channel:
        select = select.where(Order.channel == f.channel)
    if f.manager:
        select = select.where(Order.manager == f.manager)
    if f.zone_status:
        select = select.where(Order.zone_status == f.zone_status)
    if f.since is not None:
        select = select.where(Order.placed_at >= f.since)
    if f.until is not None:
        select = select.where(Order.placed_at < f.until)
    query = (f.query or "").strip()[:200]
    if query:
        try:
            phone = normalise_phone(query) if any(c.isdigit() for c in query) else ""
        except ValidationFailed:
            phone = ""
        if phone and len(phone) >= 12:
            word = like_words(query.replace(" ", ""))[0]
            select = select.where((Order.contact_phone == phone) | WhereRaw(
                "search_text LIKE {} ESCAPE '\\'", f"%{word}%"))
        else:
            for word in like_words(query):
                select = select.where(WhereRaw("search_text LIKE {} ESCAPE '\\'", f"%{word}%"))
    return select


async def list_orders(filters: OrderFilter | None = None, *, limit: int = 50, offset: int = 0
                      ) -> tuple[list[dict], int]:
    """One page of orders, newest first, and how many match in all."""
    f = filters or OrderFilter()
    labels = {code: s.label for code, s in (await status_settings()).items()}
    rows = await _filtered(Order.select(
        Order.id, Order.number, Order.channel, Order.external_id, Order.status, Order.contact_name,
        Order.contact_phone, Order.contact_email, Order.customer, Order.total, Order.paid, Order.payment_method,
        Order.delivery_method, Order.window_start, Order.window_end, Order.manager, Order.placed_at,
        Order.zone_status, Order.zone_problems, Order.delivery_zone_id).output(load_json=True), f).order_by(
        Order.placed_at, ascending=False).order_by(Order.id, ascending=False).limit(
        max(1, min(int(limit), 500))).offset(max(0, int(offset)))
    ids = sorted({r["delivery_zone_id"] for r in rows if r["delivery_zone_id"] is not None})
    names = {z["id"]: z["name"] for z in await DeliveryZone.select(DeliveryZone.id, DeliveryZone.name).where(
        DeliveryZone.id.is_in(ids))} if ids else {}
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
        row["zone"] = {"id": row["delivery_zone_id"], "name": names.get(row["delivery_zone_id"]),
                       "status": row["zone_status"], "problems": list(row["zone_problems"] or [])
                       } if row["zone_status"] else None
    total = await _filtered(Order.count(), f)
    return rows, total


async def shortages() -> list[dict]:
    """Open demand that is not reserved, per variant: units short, in how many orders, the oldest one."""
    marks = ", ".join("{}" for _ in OPEN_STATUSES)
    return await Order.raw(
        "SELECT l.variant AS variant_id, l.sku AS sku, MAX(l.name) AS name, "
        "SUM(l.qty - l.reserved - l.shipped) AS short, COUNT(DISTINCT o.id) AS orders, "
        "MIN(o.placed_at) AS oldest FROM order_line l JOIN sales_order o ON o.id = l.\"order\" "
        f"WHERE o.status IN ({marks}) AND l.qty > l.reserved + l.shipped "
        "GROUP BY l.variant, l.sku ORDER BY MIN(o.placed_at), l.variant", *OPEN_STATUSES)


async def tracking_info(token: str) -> dict:
    """What the customer's tracking page shows: number, status (the shop's name), the timeline,
    delivery method and window, and the contact's first name — nothing else personal."""
    token = (token or "").strip()
    o = None
    if 0 < len(token) <= 64:
        o = await Order.select(Order.id, Order.number, Order.status, Order.contact_name, Order.delivery_method,
                               Order.window_start, Order.window_end, Order.placed_at).where(
            Order.tracking_token == token).first()
    if o is None:
        raise NotFound("No order with this tracking link")
    labels = {code: s.label for code, s in (await status_settings()).items()}
    timeline = [{"status": h["to"], "label": h["to_label"], "at": h["at"]} for h in await _history(o["id"], labels)]
    return {"number": o["number"], "status": o["status"], "status_label": labels.get(o["status"], o["status"]),
            "first_name": (o["contact_name"].split() or [""])[0], "placed_at": o["placed_at"],
            "delivery": {"method": o["delivery_method"], "window_start": o["window_start"],
                         "window_end": o["window_end"]},
            "timeline": timeline}
