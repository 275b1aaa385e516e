"""Changing an order's goods after it came: fewer units of a line, or an analog instead of missing goods.

`reduce_line(order_id, line_id, by)` — the line loses `by` units: the reserved units it no longer needs
are released (stock.reservations.release_units), its discount shrinks in proportion, the order's totals
are recomputed, and in the order's open pick list the units come off the pick lines (the ones reported
missing first; never the ones already picked), resolving the picker's shortage ("reduced").

`replace_with_analog(order_id, line_id, analog_variant_id, qty)` — the missing units of the line (or
`by` of them) come off as above (resolution "replaced"), and a new line of the analog is added at its
retail price (or the price given), reserved in full (refused when the stock is not there) and added to
the open pick list with its bins.

Each runs in one transaction with an audit row and the outbox event "order.lines_changed" (the board
re-reads); any problem refuses the whole change. Locks: the open pick list, then the order
(picking/order_edits.py), then reservations and balances (stock).
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.catalog.tables import Price, Variant
from server.domain.orders._prepare import MAX_KOPECKS, MAX_QTY
from server.domain.orders.intake import order_ref
from server.domain.orders.settings import status_settings
from server.domain.orders.status import order_lines
from server.domain.orders.tables import Order, OrderLine
from server.domain.outbox.events import emit
from server.domain.picking import order_edits
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import release_units, reserve
from server.domain.zones.assign import recheck_order_zone
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

EDITABLE = ("new", "confirmed", "picking")  # packed goods are in the box: unpack them by cancelling
TOPIC = "order.lines_changed"


def _raise(problems: list[DomainError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The change cannot be made: %(count)s problems", problems=problems, count=len(problems))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def _open(order_id: int, line_id: int) -> tuple[dict, int | None, dict, list[dict]]:
    """The order and its open pick list locked, the line, all lines; refused outside EDITABLE."""
    order, list_id = await order_edits.lock_for_edit(order_id)
    lines = await order_lines(order_id)
    line = next((x for x in lines if x["id"] == line_id), None)
    if line is None:
        raise NotFound("Line %(line)s is not in order %(number)s", line=line_id, number=order["number"])
    if order["status"] not in EDITABLE:
        label = (await status_settings())[order["status"]].label
        raise Conflict("Order %(number)s is «%(status)s»: its goods can no longer change", field="status",
                       number=order["number"], status=label)
    return order, list_id, line, lines


def _check_by(by: object, line: dict, lines: list[dict], order: dict, problems: list[DomainError], *,
              adds_line: bool = False) -> None:
    most = line["qty"] - line["shipped"]
    if not _whole(by) or not 1 <= by <= most:
        problems.append(ValidationFailed("Line %(line)s: take off from 1 to %(most)s units", field="by",
                                         line=line["line_no"], most=most))
    elif not adds_line and by == line["qty"] and all(x["qty"] == 0 for x in lines if x["id"] != line["id"]):
        problems.append(Conflict("Nothing would be left in order %(number)s: cancel it instead", field="by",
                                 number=order["number"]))


async def _take_off(order: dict, list_id: int | None, line: dict, by: int, resolution: str, actor: str) -> dict:
    """The line loses `by` units: pick lines, reservation, discount. Returns facts for the audit row."""
    resolved = await order_edits.take_off(list_id, line["id"], by, sku=line["sku"], resolution=resolution, actor=actor)
    qty = line["qty"] - by
    release = max(0, line["reserved"] - (qty - line["shipped"]))
    if release:
        await release_units(order_ref(order["id"]), order["warehouse"], line["variant"], release, actor=actor)
    discount = line["discount"] * qty // line["qty"] if line["qty"] else 0
    await OrderLine.update({OrderLine.qty: qty, OrderLine.reserved: line["reserved"] - release,
                            OrderLine.discount: discount}).where(OrderLine.id == line["id"])
    return {"line": line["line_no"], "sku": line["sku"], "qty": {"old": line["qty"], "new": qty},
            "released": release, "shortages_resolved": resolved}


async def _totals(order: dict) -> dict:
    rows = await order_lines(order["id"])
    goods = sum(x["qty"] * x["price"] for x in rows)
    discount = sum(x["discount"] for x in rows)
    total = goods - discount + order["delivery_cost"]
    await Order.update({Order.goods_total: goods, Order.discount_total: discount, Order.total: total,
                        Order.updated_at: datetime.now(UTC)}).where(Order.id == order["id"])
    await recheck_order_zone(order["id"])  # the goods may now be below the zone's minimum
    return {"old": order["total"], "new": total}


async def _finish(order: dict, action: str, facts: dict, actor: str) -> dict:
    total = await _totals(order)
    await record(actor, f"order.{action}", "order", order["id"], {"number": order["number"], **facts, "total": total})
    await emit(TOPIC, {"order_id": order["id"], "number": order["number"], "status": order["status"],
                       "change": action, "total": total["new"]})
    return {**facts, "total": total["new"]}


async def reduce_line(order_id: int, line_id: int, by: int, *, actor: str) -> dict:
    """The line has `by` fewer units (see the module docstring). Returns what changed."""
    async with write_tx():
        order, list_id, line, lines = await _open(order_id, line_id)
        problems: list[DomainError] = []
        _check_by(by, line, lines, order, problems)
        _raise(problems)
        facts = await _take_off(order, list_id, line, by, "reduced", actor)
        return await _finish(order, "line_reduced", facts, actor)


async def _analog(variant_id: object, line: dict, price: object, problems: list[DomainError]) -> dict | None:
    found = await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.archived,
                                 Variant.product.name.as_alias("product"), Variant.product.vat.as_alias("vat"),
                                 Variant.product.archived.as_alias("product_archived")).where(
        Variant.id == variant_id).first() if _whole(variant_id) else None
    if found is None:
        problems.append(NotFound("Choose the analog among the goods of the catalog", field="analog"))
        return None
    if found["archived"] or found["product_archived"]:
        problems.append(Conflict("%(sku)s is archived and cannot be sold", field="analog", sku=found["sku"]))
    if found["id"] == line["variant"]:
        problems.append(ValidationFailed("The analog must be other goods than %(sku)s", field="analog", sku=line["sku"]))
    if price is None:
        retail = await Price.select(Price.amount).where(Price.variant == found["id"]).where(
            Price.price_type.code == "retail").first()
        if retail is None:
            problems.append(ValidationFailed("%(sku)s has no retail price: enter the price", field="price",
                                             sku=found["sku"]))
        found["price"] = int(retail["amount"]) if retail else 0
    elif not _whole(price) or not 0 <= price < MAX_KOPECKS:
        problems.append(ValidationFailed("The price must be a sum in roubles from zero, e.g. 890,00", field="price"))
    else:
        found["price"] = price
    return found


async def replace_with_analog(order_id: int, line_id: int, analog_variant_id: int, qty: int, *, actor: str,
                              price: int | None = None, by: int | None = None) -> dict:
    """`qty` units of the analog instead of the line's missing units (or `by` of its units)."""
    async with write_tx():
        order, list_id, line, lines = await _open(order_id, line_id)
        problems: list[DomainError] = []
        if by is None:
            by = await order_edits.open_short(list_id, line["id"])
            if not by:
                problems.append(ValidationFailed("Line %(line)s has no missing units; say how many to take off",
                                                 field="by", line=line["line_no"]))
        if by:
            _check_by(by, line, lines, order, problems, adds_line=True)
        if not _whole(qty) or not 1 <= qty <= MAX_QTY:
            problems.append(ValidationFailed("The quantity of the analog must be a whole number greater than zero",
                                             field="qty"))
        analog = await _analog(analog_variant_id, line, price, problems)
        _raise(problems)
        facts = await _take_off(order, list_id, line, by, "replaced", actor)
        line_no = max(x["line_no"] for x in lines) + 1
        new = OrderLine(order=order_id, line_no=line_no, variant=analog["id"], sku=analog["sku"],
                        name=", ".join(p for p in (analog["product"], analog["name"]) if p), qty=qty,
                        price=analog["price"], discount=0, vat=analog["vat"], reserved=0, shipped=0)
        await new.save()
        await reserve(order_ref(order_id), order["warehouse"], [ReserveRequest(analog["id"], qty)], actor=actor)
        await OrderLine.update({OrderLine.reserved: qty}).where(OrderLine.id == new.id)
        picks = await order_edits.add_lines(list_id, order, {"id": new.id, "variant": analog["id"], "qty": qty,
                                                             "shipped": 0, "sku": analog["sku"]})
        facts["analog"] = {"line": line_no, "sku": analog["sku"], "qty": qty, "price": analog["price"],
                           "pick_lines": picks}
        return await _finish(order, "line_replaced", facts, actor)
