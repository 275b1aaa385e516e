"""Order intake from every channel: idempotent, de-duplicating customers, reserving what is there.

`intake_order` checks the whole order first (every problem at once), then in ONE write transaction:
finds an earlier intake with the same Idempotency-Key or the same (channel, external_id) — the same
body answers that earlier result (created=False), a different body is a Conflict —, finds or makes
the customer's card, writes the order and its lines, reserves what is available (the rest is the
line's shortage), and writes the status history, the payment that came with it (OrderPayment, when
payment.paid > 0), the audit row and the outbox events. Reservation,
order and events commit or roll back together.

Concurrency: on PostgreSQL intakes of one key wait for each other on a transaction-scoped advisory
lock, so a retry sees the first intake once it has committed; should two still collide, the unique
index refuses the second and it answers with the first one's result. SQLite has one writer at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from datetime import UTC, datetime

from server.db import engine, in_transaction, is_sqlite, is_unique_violation, write_tx
from server.domain.audit.log import record
from server.domain.crm.customers import find_or_create_customer_clean, lock_keys
from server.domain.crm.normalise import search_text
from server.domain.orders import _events
from server.domain.orders._prepare import Prepared, prepare
from server.domain.orders.dto import IntakeLineResult, IntakeResult, OrderIntake
from server.domain.orders.tables import Order, OrderLine, OrderPayment, OrderStatusChange
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve
from server.domain.zones.assign import problems_for, zone_for_point
from server.domain.zones.cutoff import booked_moment
from server.errors import Conflict, ValidationFailed

NUMBER_PREFIX = "З"
NUMBER_WIDTH = 6
_LOCK_NAMESPACE = 7_413  # pg_advisory_xact_lock(7413, crc32 of "key:…" / "ext:<channel>:<id>")
_LINE_COLUMNS = '"order", line_no, variant, sku, name, qty, price, discount, vat, reserved, shipped'


def format_number(order_id: int) -> str:
    return f"{NUMBER_PREFIX}-{order_id:0{NUMBER_WIDTH}d}"


def order_ref(order_id: int) -> str:
    """What the stock ledger calls the order's reservations and shipment."""
    return f"order:{order_id}"


def request_hash(intake: OrderIntake) -> str:
    """sha256 of the intake in a canonical form: a retry must send the same order."""
    def default(value: object) -> str:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
        return str(value)

    text = json.dumps(dataclasses.asdict(intake), sort_keys=True, ensure_ascii=False, default=default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255 or not key.isprintable() or not key.isascii():
        raise ValidationFailed("The Idempotency-Key must be 1 to 255 printable Latin characters",
                               field="idempotency_key")
    return key


async def _allocate_id() -> int:
    """The new order's id (its number is made from it): inside write_tx, SQLite's one writer takes
    max + 1; PostgreSQL takes the next value of the id sequence (gaps after a rollback are fine)."""
    if is_sqlite():
        rows = await Order.raw("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM sales_order")
    else:
        rows = await Order.raw("SELECT nextval(pg_get_serial_sequence('sales_order', 'id')) AS id")
    return int(rows[0]["id"])


async def _find_existing(key: str | None, channel: str, external_id: str) -> dict | None:
    condition = None
    if key:
        condition = Order.idempotency_key == key
    if external_id:
        same = (Order.channel == channel) & (Order.external_id == external_id)
        condition = same if condition is None else condition | same
    if condition is None:
        return None
    return await Order.select(Order.id, Order.number, Order.status, Order.request_hash, Order.total,
                              Order.tracking_token).where(
        condition).order_by(Order.id).first()


async def _replay(existing: dict, digest: str, key: str | None) -> IntakeResult:
    if existing["request_hash"] != digest:
        raise Conflict("Order %(number)s already exists with different content; a retry must repeat the same "
                       "request", field="idempotency_key" if key else "external_id", number=existing["number"])
    lines = await OrderLine.select(OrderLine.line_no, OrderLine.variant, OrderLine.sku, OrderLine.qty,
                                   OrderLine.reserved, OrderLine.shipped).where(
        OrderLine.order == existing["id"]).order_by(OrderLine.line_no)
    return IntakeResult(order_id=existing["id"], number=existing["number"], status=existing["status"], created=False,
                        lines=tuple(IntakeLineResult(line_no=x["line_no"], variant_id=x["variant"], sku=x["sku"],
                                                     qty=x["qty"], reserved=x["reserved"] + x["shipped"])
                                    for x in lines),
                        total=existing["total"], tracking_token=existing["tracking_token"])


def _order_row(p: Prepared, order_id: int, customer_id: int | None, key: str | None, digest: str,
               now: datetime) -> Order:
    intake, c = p.intake, p.customer
    d, pay = intake.delivery, intake.payment
    number = format_number(order_id)
    name, email, phone = (c.name, c.email, c.phone) if c else ("", "", "")
    return Order(
        id=order_id, number=number, channel=p.channel, external_id=p.external_id, idempotency_key=key,
        request_hash=digest, status="new", customer=customer_id, contact_name=name, contact_email=email,
        contact_phone=phone, warehouse=p.warehouse["id"], goods_total=p.goods_total,
        discount_total=p.discount_total, delivery_cost=d.cost, total=p.total, delivery_method=d.method,
        delivery_address=(d.address or "").strip(), delivery_lat=d.lat, delivery_lon=d.lon,
        window_start=d.window_start, window_end=d.window_end, payment_method=pay.method, paid=pay.paid,
        comment=(intake.comment or "").strip(), tracking_token=secrets.token_urlsafe(16),
        search_text=search_text(number, p.external_id, name, email, phone, phone.lstrip("+"),
                                c.company if c else ""),
        placed_at=p.placed_at or now, created_at=now, updated_at=now)


async def _write_lines(order_id: int, p: Prepared, reserved: list[int]) -> None:
    one = "(" + ", ".join("{}" for _ in range(11)) + ")"
    values = [v for x, r in zip(p.lines, reserved, strict=True)
              for v in (order_id, x.line_no, x.variant_id, x.sku, x.name, x.qty, x.price, x.discount, x.vat, r, 0)]
    await OrderLine.raw(f"INSERT INTO order_line ({_LINE_COLUMNS}) VALUES {', '.join(one for _ in p.lines)}",
                        *values)


async def _write(p: Prepared, key: str | None, digest: str, actor: str) -> IntakeResult:
    async with write_tx():
        identity = ([f"key:{key}"] if key else []) + (
            [f"ext:{p.channel}:{p.external_id}"] if p.external_id else [])
        await lock_keys(identity, _LOCK_NAMESPACE)
        existing = await _find_existing(key, p.channel, p.external_id)
        if existing is not None:
            return await _replay(existing, digest, key)
        customer_id = await find_or_create_customer_clean(p.customer, actor=actor) if p.customer else None
        order_id = await _allocate_id()
        now = datetime.now(UTC)
        row = _order_row(p, order_id, customer_id, key, digest, now)
        row.delivery_zone_id, row.zone_status = await zone_for_point(row.delivery_method, row.delivery_lat,
                                                                     row.delivery_lon, p.warehouse["id"])
        row.zone_problems = await problems_for(row.delivery_zone_id, row.window_start, row.window_end,
                                               p.goods_total - p.discount_total, order_id,  # flagged, never refused
                                               booked_moment(row.placed_at, now, None))
        await Order.insert(row)
        results = await reserve(order_ref(order_id), p.warehouse["id"],
                                [ReserveRequest(x.variant_id, x.qty) for x in p.lines], partial=True, actor=actor)
        reserved = [r.reserved for r in results]
        await _write_lines(order_id, p, reserved)
        await OrderStatusChange.insert(OrderStatusChange(order=order_id, from_status=None, to_status="new", at=now,
                                                         actor=actor))
        if row.paid > 0:
            await OrderPayment.insert(OrderPayment(order=order_id, amount=row.paid, method=row.payment_method,
                                                   actor=actor, at=now))
        units = sum(x.qty for x in p.lines)
        await record(actor, "order.create", "order", order_id, {
            "number": row.number, "channel": p.channel, "external_id": p.external_id, "lines": len(p.lines),
            "total": p.total, "reserved": sum(reserved), "short": units - sum(reserved)})
        order = row.to_dict()
        await _events.order_created(order)
        await _events.status_changed(order, None, "new", now)
    return IntakeResult(order_id=order_id, number=row.number, status="new", created=True,
                        lines=tuple(IntakeLineResult(line_no=x.line_no, variant_id=x.variant_id, sku=x.sku, qty=x.qty,
                                                     reserved=r) for x, r in zip(p.lines, reserved, strict=True)),
                        total=p.total, tracking_token=row.tracking_token)


async def intake_order(intake: OrderIntake, *, idempotency_key: str | None = None,
                       actor: str = "system") -> IntakeResult:
    """Takes an order from any channel. Raises ValidationFailed (every problem, with fields such as
    `lines[0]`, `customer.phone`) before writing anything, or Conflict when the Idempotency-Key or
    (channel, external_id) was already used for a different order. A retry of the same order —
    sequential or concurrent — returns the first result with created=False and changes nothing."""
    key = _check_key(idempotency_key)
    async with engine().transaction():  # reads only: one connection for all the checks
        prepared = await prepare(intake)
    digest = request_hash(intake)
    outermost = not in_transaction()
    for attempt in (1, 2):
        try:
            return await _write(prepared, key, digest, actor)
        except Exception as exc:  # a concurrent writer got in first: the unique index refused this one
            if not (outermost and is_unique_violation(exc)) or attempt == 2:
                raise
            existing = await _find_existing(key, prepared.channel, prepared.external_id)
            if existing is not None:
                return await _replay(existing, digest, key)
    raise AssertionError("unreachable")  # pragma: no cover
