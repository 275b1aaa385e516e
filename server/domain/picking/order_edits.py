"""What a change of an order's lines does to its open pick list. Internal: called by
server/domain/orders/line_changes.py inside its transaction.

Lock order, the same as completing a pick list (list, then order): `lock_for_edit` locks the order's
open pick list first, then the order row. A line made smaller gives back its units from the pick lines
(the units reported missing first, then the ones not picked yet; never picked ones) and the shortages
that are covered are resolved; an analog added to the order gets pick lines of its own in the same
list, split over the bins that hold it (lists.py's planning, the same rules as a new list).
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.orders.status import lock_order
from server.domain.picking._context import lock_list
from server.domain.picking.lists import _bin_stock, _plan_lines
from server.domain.picking.tables import PickLine, PickListOrder, PickShortage
from server.errors import Conflict


async def open_list_of(order_id: int) -> int | None:
    row = await PickListOrder.select(PickListOrder.pick_list).where(
        (PickListOrder.order == order_id) & (PickListOrder.open == 1)).first()
    return row["pick_list"] if row else None


async def lock_for_edit(order_id: int) -> tuple[dict, int | None]:
    """(the order row, its open pick list or None), both locked: the list first, then the order."""
    list_id = await open_list_of(order_id)
    if list_id is not None:
        await lock_list(list_id)
    order = await lock_order(order_id)
    if await open_list_of(order_id) != list_id:  # taken into (or out of) a list meanwhile
        raise Conflict("Order %(number)s was just taken into picking or out of it; try again", number=order["number"])
    return order, list_id


async def open_short(list_id: int | None, order_line_id: int) -> int:
    """Units of this order line reported missing and not resolved yet (in the open list)."""
    if list_id is None:
        return 0
    rows = await PickShortage.select(PickShortage.qty).where(
        (PickShortage.pick_list == list_id) & (PickShortage.resolution == "")
        & (PickShortage.line.order_line == order_line_id))
    return sum(r["qty"] for r in rows)


async def resolve(line_ids: list[int], resolution: str, actor: str) -> int:
    """Closes the open shortages of these pick lines; returns how many."""
    if not line_ids:
        return 0
    rows = await PickShortage.select(PickShortage.id).where(
        (PickShortage.line.is_in(line_ids)) & (PickShortage.resolution == ""))
    if rows:
        await PickShortage.update({PickShortage.resolution: resolution, PickShortage.resolved_by: actor,
                                   PickShortage.resolved_at: datetime.now(UTC)}).where(
            PickShortage.id.is_in([r["id"] for r in rows]))
    return len(rows)


def _done_at(qty: int, picked: int, short: int, before, now: datetime):
    return (before or now) if picked + short >= qty else None


async def take_off(list_id: int | None, order_line_id: int, by: int, *, sku: str, resolution: str,
                   actor: str) -> int:
    """The order line loses `by` units on its pick lines: the missing ones first, then the ones still to
    pick (last in the walk first). Refused when that would reach units already picked. Returns how many
    shortages were resolved."""
    if list_id is None:
        return 0
    lines = await PickLine.select().where((PickLine.pick_list == list_id) & (PickLine.order_line == order_line_id)
                                          ).order_by(PickLine.seq, ascending=False)
    if not lines:
        return 0
    free = sum(x["qty"] - x["picked"] for x in lines)
    if by > free:
        raise Conflict("%(picked)s units of %(sku)s are already picked: the line can lose at most %(most)s units now",
                       field="by", picked=sum(x["picked"] for x in lines), sku=sku, most=free)
    left, now = by, datetime.now(UTC)
    for key in ("short", "left"):
        for x in lines:
            room = x["short"] if key == "short" else x["qty"] - x["picked"] - x["short"]
            take = min(left, max(room, 0))
            if take:
                x["qty"] -= take
                x["short"] -= take if key == "short" else 0
                left -= take
    for x in lines:
        await PickLine.update({PickLine.qty: x["qty"], PickLine.short: x["short"],
                               PickLine.done_at: _done_at(x["qty"], x["picked"], x["short"], x["done_at"], now)}).where(
            PickLine.id == x["id"])
        if x["short"] > 0:  # still partly missing: the open shortage says how much
            await PickShortage.update({PickShortage.qty: x["short"]}).where(
                (PickShortage.line == x["id"]) & (PickShortage.resolution == ""))
    return await resolve([x["id"] for x in lines if x["short"] == 0], resolution, actor)


async def found_again(list_id: int | None, order_line_id: int, actor: str) -> int:
    """«The goods were found»: the missing units of the order line go back to be picked; returns units."""
    if list_id is None:
        return 0
    lines = await PickLine.select().where((PickLine.pick_list == list_id) & (PickLine.order_line == order_line_id)
                                          & (PickLine.short > 0))
    for x in lines:
        await PickLine.update({PickLine.short: 0, PickLine.done_at: _done_at(x["qty"], x["picked"], 0, x["done_at"],
                                                                             datetime.now(UTC))}).where(
            PickLine.id == x["id"])
    await resolve([x["id"] for x in lines], "found", actor)
    return sum(x["short"] for x in lines)


async def add_lines(list_id: int | None, order: dict, line: dict) -> int:
    """Pick lines for a new order line (an analog) at the end of the walk of the open list; returns how many."""
    if list_id is None:
        return 0
    stock = await _bin_stock(order["warehouse"], {line["variant"]})
    planned = _plan_lines([order], {order["id"]: [line]}, stock)
    rows = await PickLine.raw("SELECT MAX(seq) AS seq FROM pick_line WHERE pick_list = {}", list_id)
    last = int(rows[0]["seq"] or 0) if rows else 0
    await PickLine.insert(*[PickLine(pick_list=list_id, order=p["order"], order_line=p["order_line"],
                                     variant=p["variant"], bin=p["bin"], seq=last + n, qty=p["qty"])
                            for n, p in enumerate(planned, start=1)])
    return len(planned)
