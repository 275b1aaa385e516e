"""The order's status machine.

    new → confirmed → picking → packed → out_for_delivery → delivered → closed
    cancelled: from new, confirmed, picking, packed (releases the reservations)
    returned:  from out_for_delivery or delivered (the shipment is unposted: the goods are back)

Rules beyond the arrows: an order paid in advance (prepaid_online, invoice) leaves for delivery only
when fully paid; it leaves only with every line reserved in full (no partial shipment), and leaving
consumes the reservations into a posted shipment document (taking the goods out of the bins they were
picked from). A change writes the new status (a conditional UPDATE … WHERE status = <from>, after
locking the order row), the history row, the audit row and the outbox event in one transaction: of two
concurrent changes only one applies. "delivered" is where the goods pass to the buyer (by courier or
handed over otherwise; "closed" only follows it), so an order paid for in full before then gets its
prepayment-offset receipt queued in the same transaction, whoever sets the status
(payments/receipts.queue_offset_sell: one per order, none for an invoice prepayment).
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import is_sqlite, write_tx
from server.domain.audit.log import record
from server.domain.marking.codes import release_order_codes
from server.domain.orders import _events
from server.domain.orders.intake import order_ref
from server.domain.orders.settings import status_settings
from server.domain.orders.tables import ORDER_STATUSES, PREPAID_METHODS, Order, OrderLine, OrderStatusChange
from server.domain.stock.documents import unpost_document
from server.domain.stock.reservations import consume, release
from server.domain.stock.tables import StockDocument
from server.domain.zones.assign import recheck_slot_neighbours
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("confirmed", "cancelled"),
    "confirmed": ("picking", "cancelled"),
    "picking": ("packed", "cancelled"),
    "packed": ("out_for_delivery", "cancelled"),
    "out_for_delivery": ("delivered", "returned"),
    "delivered": ("closed", "returned"),
    "closed": (),
    "cancelled": (),
    "returned": (),
}
OPEN_STATUSES = ("new", "confirmed", "picking", "packed")  # goods still to be reserved and shipped
COMMENT_LIMIT = 2000


def _roubles(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def _rule_problems(order: dict, lines: list[dict], to: str) -> list[DomainError]:
    """What keeps an order from going to `to` besides the arrows (empty: nothing)."""
    problems: list[DomainError] = []
    if to == "out_for_delivery":
        if order["payment_method"] in PREPAID_METHODS and order["paid"] < order["total"]:
            problems.append(Conflict("Order %(number)s is paid in advance and is not fully paid yet: %(paid)s of "
                                     "%(total)s roubles", field="paid", number=order["number"],
                                     paid=_roubles(order["paid"]), total=_roubles(order["total"])))
        for n, line in enumerate(lines):
            short = line["qty"] - line["reserved"] - line["shipped"]
            if short > 0:
                problems.append(Conflict("Line %(line)s: %(short)s of %(qty)s units of %(sku)s are not reserved; "
                                         "the order cannot leave until every line is reserved", field=f"lines[{n}]",
                                         line=line["line_no"], short=short, qty=line["qty"], sku=line["sku"]))
    return problems


def check_transition(order: dict, lines: list[dict], to: str, labels: dict[str, str]) -> list[DomainError]:
    """Every reason the order cannot go to `to` now (arrows first, then the rules)."""
    if to not in ORDER_STATUSES:
        return [ValidationFailed("Unknown order status %(status)s", field="status", status=str(to)[:40])]
    frm = order["status"]
    if to == frm:
        return [Conflict("Order %(number)s is already in status %(status)s", field="status",
                         number=order["number"], status=labels.get(to, to))]
    if to not in TRANSITIONS.get(frm, ()):
        if to == "cancelled" and frm in ("out_for_delivery", "delivered", "closed"):
            return [Conflict("Order %(number)s has already left the warehouse (%(status)s) and cannot be "
                             "cancelled; mark it returned instead", field="status", number=order["number"],
                             status=labels.get(frm, frm))]
        return [Conflict("Order %(number)s cannot go from %(from)s to %(to)s", field="status",
                         number=order["number"], **{"from": labels.get(frm, frm), "to": labels.get(to, to)})]
    return _rule_problems(order, lines, to)


def allowed_transitions(order: dict) -> list[str]:
    """The statuses the order can go to now (for the UI's buttons). `order` is the card of
    queries.get_order (or any dict with status, number, payment_method, paid, total and lines)."""
    lines = order.get("lines", [])
    return [to for to in TRANSITIONS.get(order["status"], ())
            if not check_transition(order, lines, to, {})]


async def lock_order(order_id: int) -> dict:
    """The order row, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    rows = await Order.raw(f"SELECT * FROM sales_order WHERE id = {{}}{lock}", order_id)
    if not rows:
        raise NotFound("Order %(id)s not found", id=order_id)
    return rows[0]


async def order_lines(order_id: int) -> list[dict]:
    return await OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)


def _raise(problems: list[DomainError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Conflict("The order cannot change its status: %(count)s problems", problems=problems,
                       count=len(problems))


async def _stock_effects(order: dict, lines: list[dict], to: str, actor: str) -> dict:
    """What the ledger does on the way to `to`; returns facts for the audit row."""
    ref = order_ref(order["id"])
    if to == "cancelled":
        released = await release(ref, actor=actor)
        await OrderLine.update({OrderLine.reserved: 0}).where(OrderLine.order == order["id"])
        codes = await release_order_codes(order["id"], "cancelled")
        return {"released": released, **({"codes_released": codes} if codes else {})}
    if to == "out_for_delivery":
        from server.domain.picking.bins_shipped import picked_bins  # picking imports this module

        document = await consume(ref, actor=actor, warehouse_id=order["warehouse"],
                                 bins=await picked_bins(order["id"]))
        for line in lines:
            await OrderLine.update({OrderLine.shipped: OrderLine.shipped + line["reserved"], OrderLine.reserved: 0}
                                   ).where(OrderLine.id == line["id"])
        return {"shipment": document}
    if to == "returned":
        shipments = await StockDocument.select(StockDocument.id).where(
            (StockDocument.order_ref == ref) & (StockDocument.kind == "shipment")
            & (StockDocument.status == "posted")).order_by(StockDocument.id)
        # goods handed back at the door (a partial delivery) were returned already: after the shipment
        # puts everything back, their return documents take those units out again
        returns = await StockDocument.select(StockDocument.id).where(
            (StockDocument.order_ref == ref) & (StockDocument.kind == "return")
            & (StockDocument.status == "posted")).order_by(StockDocument.id)
        for doc in [*shipments, *returns]:
            await unpost_document(doc["id"], actor=actor)
        await OrderLine.update({OrderLine.shipped: 0}).where(OrderLine.order == order["id"])
        codes = await release_order_codes(order["id"], "returned")
        return {"unposted_shipments": [d["id"] for d in shipments], **({"codes_released": codes} if codes else {})}
    return {}


async def change_status(order_id: int, to: str, *, actor: str = "system", comment: str = "",
                        at: datetime | None = None) -> dict:
    """Moves the order to `to` if the arrows and the rules allow it (else Conflict / ValidationFailed
    with every reason) and returns the changed order row. `at` (UTC, not in the future) back-dates the
    change — its history row, the order's updated_at and the event's "at" — when history is imported
    (the demo); the audit row and a shipment document still carry the time they were written."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise ValidationFailed("The comment must be at most 2000 characters long", field="comment")
    if at is not None and (at.tzinfo is None or at > datetime.now(UTC)):
        raise ValidationFailed("The time of a status change must be a time zone aware moment, not in the future",
                               field="at")
    async with write_tx():
        settings = await status_settings()  # read once: the rules' messages and the event's label
        labels = {code: s.label for code, s in settings.items()}
        order = await lock_order(order_id)
        lines = await order_lines(order_id)
        frm = order["status"]
        _raise(check_transition(order, lines, to, labels))
        facts = await _stock_effects(order, lines, to, actor)
        now = at or datetime.now(UTC)
        changed = await Order.raw("UPDATE sales_order SET status = {}, updated_at = {} WHERE id = {} AND status = {} "
                                  "RETURNING id", to, now, order_id, frm)
        if not changed:  # pragma: no cover - the row lock / the single writer make this unreachable
            raise Conflict("Order %(number)s was changed by someone else; reload it and try again",
                           number=order["number"])
        await OrderStatusChange.insert(OrderStatusChange(order=order_id, from_status=frm, to_status=to, at=now,
                                                         actor=actor, comment=comment))
        if to == "cancelled":  # its place in a delivery slot is free: the orders after it may fit now
            await recheck_slot_neighbours(order_id)
        if to == "delivered":  # goods handed over against a full prepayment: their 54-FZ offset receipt
            from server.domain.payments.receipts import queue_offset_sell  # payments builds on orders

            await queue_offset_sell(order_id)
        await record(actor, "order.status", "order", order_id,
                     {"number": order["number"], "status": {"old": frm, "new": to}, **facts,
                      **({"comment": comment} if comment else {})})
        order = {**order, "status": to, "updated_at": now}
        await _events.status_changed(order, frm, to, now, settings=settings)
    return order
