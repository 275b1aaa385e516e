"""Goods the picker could not find: the report from the floor, the manager's view of it, «found after all».

`report_shortage(pick_list_id, line_id, qty)` — the picker says `qty` units of a pick line are not
there. In one transaction with the list locked: the line's `short` grows (a line whose units are all
picked or missing is done), the line's open PickShortage is written or grows (one open shortage per
line: a partial unique index), an audit row and the outbox event "order.pick_shortage" (the manager's
board re-reads: server/live.py). The order then waits for the manager: completing the list packs it
only when none of its lines is short (packing.py).

The manager resolves it on the order card: fewer units or an analog (server/domain/orders/line_changes.py),
or `goods_found` — the units were there after all and go back to be picked. `order_picking` is what the
card shows (the shortages with analogs, the marking codes taken), `flagged_orders` marks the board's
rows, `bins_to_recount` lists the bins found empty for the counting screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.catalog.analogs import suggest_analogs
from server.domain.marking.codes import order_codes
from server.domain.outbox.events import emit
from server.domain.picking._context import load_context, lock_list, utc
from server.domain.picking.order_edits import found_again, lock_for_edit
from server.domain.picking.tables import PickLine, PickList, PickListOrder, PickShortage
from server.errors import Conflict, NotFound, ValidationFailed

MAX_COMMENT = 500
RECOUNT_DAYS = 14
TOPIC = "order.pick_shortage"


@dataclass(frozen=True)
class ShortageReport:
    shortage_id: int
    pick_list_id: int
    line_id: int
    order_id: int
    order_number: str
    name: str
    qty: int  # units of the line reported missing now (this report and earlier ones)
    added: bool  # this report added to an open one
    list_complete: bool  # every line of the list's live orders is now picked or reported missing


def _check(qty: object, comment: object) -> tuple[int, str]:
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise ValidationFailed("Enter how many units are missing as a whole number", field="qty")
    text = " ".join(comment.split()) if isinstance(comment, str) else ""
    if len(text) > MAX_COMMENT:
        raise ValidationFailed("The comment must be at most %(max)s characters long", field="comment", max=MAX_COMMENT)
    return qty, text


async def _event(order_id: int, number: str, **facts) -> None:
    await emit(TOPIC, {"order_id": order_id, "number": number, **facts})


async def report_shortage(pick_list_id: int, line_id: int, qty: int, *, actor: str, comment: str = "") -> ShortageReport:
    qty, comment = _check(qty, comment)
    async with write_tx():
        await lock_list(pick_list_id)
        ctx = await load_context(pick_list_id)
        if ctx.status != "open":
            raise Conflict("Pick list %(number)s is closed: nothing more is picked on it", number=ctx.number)
        line = next((x for x in ctx.lines if x.id == line_id), None)
        if line is None:
            raise NotFound("Line %(line)s is not in pick list %(number)s", line=line_id, number=ctx.number)
        if line.order_status == "cancelled":
            raise Conflict("Order %(number)s was cancelled: do not pick %(name)s, put it back",
                           number=line.order_number, name=line.name)
        if line.order_status != "picking":
            raise Conflict("Order %(number)s is already packed: %(name)s is not needed", number=line.order_number,
                           name=line.name)
        if line.left == 0:
            raise Conflict("Every unit of %(name)s is already picked or reported missing", field="qty", name=line.name)
        if not 1 <= qty <= line.left:
            raise ValidationFailed("From 1 to %(left)s units of %(name)s are still to pick", field="qty",
                                   left=line.left, name=line.name)
        now = datetime.now(UTC)
        row = await PickShortage.select().where((PickShortage.line == line_id) & (PickShortage.resolution == "")).first()
        if row is not None:
            total = row["qty"] + qty
            note = " / ".join(c for c in (row["comment"], comment) if c)[:2000]
            await PickShortage.update({PickShortage.qty: total, PickShortage.comment: note,
                                       PickShortage.reported_at: now}).where(PickShortage.id == row["id"])
            shortage_id = row["id"]
        else:
            total = qty
            shortage = PickShortage(pick_list=pick_list_id, line=line_id, order=line.order_id, variant=line.variant_id,
                                    bin=line.bin_id, qty=qty, comment=comment, reported_by=actor, reported_at=now)
            await shortage.save()
            shortage_id = shortage.id
        line.short += qty
        done = now if line.picked + line.short >= line.qty else None
        await PickLine.update({PickLine.short: line.short, PickLine.done_at: done}).where(PickLine.id == line_id)
        if ctx.started_at is None:
            await PickList.update({PickList.started_at: now}).where(PickList.id == pick_list_id)
        await record(actor, "pick_list.shortage", "pick_list", pick_list_id,
                     {"number": ctx.number, "order": line.order_number, "sku": line.sku, "bin": line.bin_address,
                      "qty": qty, "short": total, **({"comment": comment} if comment else {})})
        await _event(line.order_id, line.order_number, status=line.order_status, pick_list_id=pick_list_id,
                     line_id=line_id, sku=line.sku, qty=qty, short=total, bin=line.bin_address, resolution="")
    return ShortageReport(shortage_id=shortage_id, pick_list_id=pick_list_id, line_id=line_id, order_id=line.order_id,
                          order_number=line.order_number, name=line.name, qty=total, added=row is not None,
                          list_complete=ctx.complete)


async def shortage_line(pick_list_id: int, line_id: int) -> dict:
    """What the picker's «not there» form shows: the list, the line (no prices) and what is reported already."""
    ctx = await load_context(pick_list_id)
    line = next((x for x in ctx.lines if x.id == line_id), None)
    if line is None:
        raise NotFound("Line %(line)s is not in pick list %(number)s", line=line_id, number=ctx.number)
    row = await PickShortage.select(PickShortage.qty, PickShortage.comment).where(
        (PickShortage.line == line_id) & (PickShortage.resolution == "")).first()
    return {"pick_list": {"id": ctx.id, "number": ctx.number, "status": ctx.status},
            "line": {"id": line.id, "sku": line.sku, "name": line.name, "bin": line.bin_address, "qty": line.qty,
                     "picked": line.picked, "short": line.short, "left": line.left, "order_number": line.order_number,
                     "order_status": line.order_status},
            "reported": row["qty"] if row else 0, "comment": row["comment"] if row else ""}


async def goods_found(order_id: int, order_line_id: int, *, actor: str) -> int:
    """«The goods were found»: the units of the order line reported missing go back to the picker (the
    shortages are resolved as "found"). Returns those units."""
    async with write_tx():
        order, list_id = await lock_for_edit(order_id)
        units = await found_again(list_id, order_line_id, actor)
        if not units:
            raise Conflict("Nothing of this line is reported missing in order %(number)s", number=order["number"])
        await record(actor, "order.shortage_found", "order", order_id,
                     {"number": order["number"], "order_line": order_line_id, "units": units})
        await _event(order_id, order["number"], status=order["status"], pick_list_id=list_id, qty=units,
                     resolution="found")
    return units


async def _open_rows(order_id: int) -> list[dict]:
    return await PickShortage.raw(
        "SELECT s.id, s.qty, s.comment, s.reported_by, s.reported_at, s.pick_list, l.number AS list_number, "
        "pl.order_line, ol.line_no, ol.sku, ol.name, ol.qty AS line_qty, ol.variant, b.address "
        "FROM pick_shortage s JOIN pick_line pl ON pl.id = s.line JOIN order_line ol ON ol.id = pl.order_line "
        "JOIN pick_list l ON l.id = s.pick_list JOIN sales_order o ON o.id = s.\"order\" LEFT JOIN bin b ON b.id = s.bin "
        "WHERE s.\"order\" = {} AND s.resolution = '' AND o.status = 'picking' ORDER BY ol.line_no, s.id", order_id)


async def order_shortages(order_id: int, warehouse_id: int, *, analogs: int = 5) -> list[dict]:
    """The open shortages of an order still being picked, by order line, each with the analogs available in the
    warehouse."""
    groups: dict[int, dict] = {}
    for r in await _open_rows(order_id):
        g = groups.setdefault(r["order_line"], {
            "order_line_id": r["order_line"], "line_no": r["line_no"], "sku": r["sku"], "name": r["name"],
            "variant_id": r["variant"], "line_qty": r["line_qty"], "short": 0, "bins": [], "comments": [],
            "reported_by": r["reported_by"], "reported_at": utc(r["reported_at"]), "pick_list": r["list_number"],
            "pick_list_id": r["pick_list"]})
        g["short"] += r["qty"]
        if r["address"] and r["address"] not in g["bins"]:
            g["bins"].append(r["address"])
        if r["comment"]:
            g["comments"].append(r["comment"])
    for g in groups.values():
        g["analogs"] = await suggest_analogs(g["variant_id"], warehouse_id, g["short"], limit=analogs)
    return list(groups.values())


async def order_picking(order_id: int, warehouse_id: int) -> dict:
    """What the order card shows of picking: open shortages with analogs, the marking codes and serials
    taken per order line, and the pick lists of the order (for the packing slip)."""
    codes: dict[int, list[dict]] = {}
    for c in await order_codes(order_id):  # the group separator (GS) of a code shown as ␝
        codes.setdefault(c["order_line"], []).append({**c, "shown": c["full_code"].replace("\x1d", "␝")})
    lists = await PickListOrder.select(PickListOrder.pick_list.number.as_alias("number"),
                                       PickListOrder.pick_list.status.as_alias("status"),
                                       PickListOrder.pick_list.picker.as_alias("picker")).where(
        PickListOrder.order == order_id).order_by(PickListOrder.id)
    return {"shortages": await order_shortages(order_id, warehouse_id), "codes": codes,
            "code_count": sum(len(v) for v in codes.values()), "pick_lists": lists}


async def flagged_orders(order_ids: list[int]) -> dict[int, int]:
    """order id → units reported missing by the picker and not resolved yet, for orders still being picked
    (the board's badge; a cancelled order needs no answer)."""
    ids = sorted({int(i) for i in order_ids})
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    rows = await PickShortage.raw(
        "SELECT s.\"order\" AS order_id, SUM(s.qty) AS units FROM pick_shortage s JOIN sales_order o ON o.id = "
        f"s.\"order\" WHERE s.resolution = '' AND o.status = 'picking' AND s.\"order\" IN ({marks}) "
        "GROUP BY s.\"order\"", *ids)
    return {int(r["order_id"]): int(r["units"]) for r in rows}


async def bins_to_recount(warehouse_id: int, *, days: int = RECOUNT_DAYS) -> list[dict]:
    """Bins where a picker did not find goods — shortages not resolved yet, or reported in the last `days`
    days — worth counting again: [{"bin_id", "address", "open", "last_reported_at", "goods": [{"variant_id",
    "sku", "name", "units"}]}] in walking order."""
    since = datetime.now(UTC) - timedelta(days=max(0, int(days)))
    rows = await PickShortage.raw(
        "SELECT s.bin, b.address, b.pick_seq, s.variant, v.sku, p.name AS product, v.name AS variant_name, "
        "s.qty, s.resolution, s.reported_at FROM pick_shortage s JOIN bin b ON b.id = s.bin "
        "JOIN variant v ON v.id = s.variant JOIN product p ON p.id = v.product "
        "WHERE b.warehouse = {} AND (s.resolution = '' OR s.reported_at >= {}) "
        "ORDER BY b.pick_seq, b.address, s.id", warehouse_id, since)
    found: dict[int, dict] = {}
    for r in rows:
        b = found.setdefault(r["bin"], {"bin_id": r["bin"], "address": r["address"], "open": False,
                                        "last_reported_at": None, "goods": {}})
        b["open"] = b["open"] or not r["resolution"]
        at = utc(r["reported_at"])
        b["last_reported_at"] = max(filter(None, (b["last_reported_at"], at)), default=None)
        name = ", ".join(x for x in (r["product"], r["variant_name"]) if x)
        g = b["goods"].setdefault(r["variant"], {"variant_id": r["variant"], "sku": r["sku"], "name": name, "units": 0})
        g["units"] += r["qty"]
    return [{**b, "goods": list(b["goods"].values())} for b in found.values()]
