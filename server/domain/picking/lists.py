"""Pick lists: the queue of orders waiting to be picked, and making a list of one order or a wave.

`create_pick_list(order_ids)` takes confirmed orders of one warehouse (or orders left in "picking"
without an open list), moves each to "picking" through the order status machine, and writes the
lines: every order line split over the bins that hold its goods, taken in the bins' pick order
(bins already promised to other open pick lists are not promised twice), walked by pick sequence.
What no bin holds is a line without a bin, walked last. All in one transaction; an order in another
open list, not fully reserved, or in another status is refused with every reason at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from server.db import is_sqlite, is_unique_violation, write_tx
from server.domain.audit.log import record
from server.domain.orders.status import change_status, lock_order, order_lines
from server.domain.orders.tables import Order
from server.domain.picking._context import utc
from server.domain.picking.tables import PICK_MODES, PickLine, PickList, PickListOrder
from server.domain.stock.tables import Bin, BinBalance, Warehouse
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

NUMBER_PREFIX = "СБ"
MAX_WAVE = 30  # orders in one walk
PICKABLE = ("confirmed", "picking")
_LOCK_NAMESPACE = 7_415  # pg_advisory_xact_lock(7415, 0): numbering of pick lists


@dataclass(frozen=True)
class QueuedOrder:
    id: int
    number: str
    status: str
    warehouse_id: int
    lines: int
    units: int
    marking: bool  # some goods need a DataMatrix per unit
    short: int  # units not reserved (such an order cannot be picked yet)
    contact_name: str
    delivery_method: str
    window_start: datetime | None
    window_end: datetime | None
    placed_at: datetime


async def orders_to_pick(warehouse_id: int | None = None, limit: int = 200) -> list[QueuedOrder]:
    """Confirmed orders (and orders in "picking" whose list was closed without packing them) that no
    open pick list holds, the ones due first on top (delivery window, then the time placed)."""
    where = ["o.status IN ('confirmed', 'picking')",
             "NOT EXISTS (SELECT 1 FROM pick_list_order p WHERE p.\"order\" = o.id AND p.open = 1)"]
    args: list = []
    if warehouse_id is not None:
        where.append("o.warehouse = {}")
        args.append(warehouse_id)
    rows = await Order.raw(
        "SELECT o.id, o.number, o.status, o.warehouse, o.contact_name, o.delivery_method, o.window_start, "
        "o.window_end, o.placed_at, COUNT(l.id) AS lines, COALESCE(SUM(l.qty), 0) AS units, "
        "COALESCE(SUM(l.qty - l.reserved - l.shipped), 0) AS short, "
        "MAX(CASE WHEN p.marking_required THEN 1 ELSE 0 END) AS marking "
        "FROM sales_order o JOIN order_line l ON l.\"order\" = o.id "
        "JOIN variant v ON v.id = l.variant JOIN product p ON p.id = v.product "
        f"WHERE {' AND '.join(where)} GROUP BY o.id, o.number, o.status, o.warehouse, o.contact_name, "
        "o.delivery_method, o.window_start, o.window_end, o.placed_at "
        f"ORDER BY CASE WHEN o.window_start IS NULL THEN 1 ELSE 0 END, o.window_start, o.placed_at, o.id "
        f"LIMIT {max(1, min(int(limit), 1000))}", *args)
    return [QueuedOrder(id=r["id"], number=r["number"], status=r["status"], warehouse_id=r["warehouse"],
                        lines=int(r["lines"]), units=int(r["units"]), marking=bool(r["marking"]),
                        short=int(r["short"]), contact_name=r["contact_name"], delivery_method=r["delivery_method"],
                        window_start=utc(r["window_start"]), window_end=utc(r["window_end"]),
                        placed_at=utc(r["placed_at"])) for r in rows]


async def _next_number() -> str:
    if not is_sqlite():
        await PickList.raw("SELECT pg_advisory_xact_lock({}, 0)", _LOCK_NAMESPACE)
    rows = await PickList.raw("SELECT MAX(CAST(SUBSTR(number, {}) AS INTEGER)) AS n FROM pick_list",
                              len(NUMBER_PREFIX) + 2)
    last = rows[0]["n"] if rows and rows[0]["n"] is not None else 0
    return f"{NUMBER_PREFIX}-{int(last) + 1:06d}"


def _check_ids(order_ids: list[int], mode: str) -> list[int]:
    if mode not in PICK_MODES:
        raise ValidationFailed("Unknown picking mode %(mode)s: use item or location", field="mode",
                               mode=str(mode)[:20])
    valid = all(isinstance(i, int) and not isinstance(i, bool) for i in order_ids)
    ids = list(dict.fromkeys(order_ids)) if valid else []
    if not ids:
        raise ValidationFailed("Choose the orders to pick", field="orders")
    if len(ids) > MAX_WAVE:
        raise ValidationFailed("At most %(max)s orders in one pick list", field="orders", max=MAX_WAVE)
    return ids


async def _check_orders(ids: list[int]) -> tuple[list[dict], dict[int, list[dict]]]:
    """Locks the orders (id order) and returns them with their lines, or raises every reason."""
    orders, lines, problems = [], {}, []
    for order_id in sorted(ids):
        try:
            order = await lock_order(order_id)
        except NotFound as exc:
            problems.append(exc)
            continue
        orders.append(order)
        lines[order_id] = await order_lines(order_id)
        if order["status"] not in PICKABLE:
            problems.append(Conflict("Order %(number)s cannot be picked in its status (%(status)s)",
                                     field="orders", number=order["number"], status=order["status"]))
        short = sum(max(x["qty"] - x["reserved"] - x["shipped"], 0) for x in lines[order_id])
        if short:
            problems.append(Conflict("Order %(number)s is short of %(units)s units: re-reserve it before picking",
                                     field="orders", number=order["number"], units=short))
    if await PickListOrder.exists().where((PickListOrder.order.is_in(ids)) & (PickListOrder.open == 1)):
        taken = await PickListOrder.select(PickListOrder.order.number.as_alias("number"),
                                           PickListOrder.pick_list.number.as_alias("list")).where(
            (PickListOrder.order.is_in(ids)) & (PickListOrder.open == 1))
        problems.extend(Conflict("Order %(number)s is already being picked in %(list)s", field="orders",
                                 number=t["number"], list=t["list"]) for t in taken)
    warehouses = {o["warehouse"] for o in orders}
    if len(warehouses) > 1:
        problems.append(ValidationFailed("The orders of one pick list must ship from one warehouse",
                                         field="orders"))
    _raise_all(problems)
    return orders, lines


def _raise_all(problems: list[DomainError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise Conflict("The pick list cannot be made: %(count)s problems", problems=problems, count=len(problems))


async def _bin_stock(warehouse_id: int, variant_ids: set[int]) -> dict[int, list[dict]]:
    """Per variant: the bins holding it, in pick order, with what is left there to promise (on hand
    less what open pick lines of unshipped orders take from it)."""
    if not variant_ids:
        return {}
    marks = ", ".join("{}" for _ in variant_ids)
    rows = await BinBalance.raw(
        "SELECT bb.variant, bb.bin, bb.on_hand, b.address, b.pick_seq FROM bin_balance bb "
        "JOIN bin b ON b.id = bb.bin WHERE b.warehouse = {} AND b.active = {} AND bb.on_hand > 0 "
        f"AND bb.variant IN ({marks}) ORDER BY b.pick_seq, b.address, b.id", warehouse_id, True, *sorted(variant_ids))
    promised = await PickLine.raw(
        "SELECT pl.variant, pl.bin, SUM(pl.qty - pl.short) AS qty FROM pick_line pl "
        "JOIN sales_order o ON o.id = pl.\"order\" JOIN pick_list l ON l.id = pl.pick_list "
        "WHERE l.status <> 'cancelled' AND o.status IN ('picking', 'packed') AND pl.bin IS NOT NULL "
        f"AND pl.variant IN ({marks}) GROUP BY pl.variant, pl.bin", *sorted(variant_ids))
    taken = {(r["variant"], r["bin"]): int(r["qty"] or 0) for r in promised}
    found: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        left = r["on_hand"] - taken.get((r["variant"], r["bin"]), 0)
        if left > 0:
            found[r["variant"]].append({"bin": r["bin"], "left": left, "seq": r["pick_seq"], "address": r["address"]})
    return found


def _plan_lines(orders: list[dict], lines: dict[int, list[dict]], stock: dict[int, list[dict]]) -> list[dict]:
    """Order lines split over bins (greedy, in pick order), sorted for one walk."""
    planned = []
    for order in orders:
        for line in lines[order["id"]]:
            need = line["qty"] - line["shipped"]
            for place in stock.get(line["variant"], []):
                if need <= 0:
                    break
                take = min(need, place["left"])
                if take <= 0:
                    continue
                place["left"] -= take
                need -= take
                planned.append({"order": order["id"], "order_line": line["id"], "variant": line["variant"],
                                "bin": place["bin"], "qty": take, "key": (0, place["seq"], place["address"])})
            if need > 0:
                planned.append({"order": order["id"], "order_line": line["id"], "variant": line["variant"],
                                "bin": None, "qty": need, "key": (1, 0, "")})
    skus = {line["id"]: line["sku"] for ls in lines.values() for line in ls}
    planned.sort(key=lambda p: (p["key"], skus[p["order_line"]], p["order"], p["order_line"]))
    return planned


async def create_pick_list(order_ids: list[int], *, actor: str, picker: str | None = None,
                           mode: str = "item") -> int:
    """A pick list of these orders (one, or a wave); the orders go to "picking". Returns its id."""
    ids = _check_ids(order_ids, mode)
    try:
        async with write_tx():
            orders, lines = await _check_orders(ids)
            warehouse_id = orders[0]["warehouse"]
            stock = await _bin_stock(warehouse_id, {x["variant"] for ls in lines.values() for x in ls})
            planned = _plan_lines(sorted(orders, key=lambda o: ids.index(o["id"])), lines, stock)
            number = await _next_number()
            pick_list = PickList(number=number, warehouse=warehouse_id, mode=mode, picker=picker or actor,
                                 created_by=actor)
            await pick_list.save()
            await PickListOrder.insert(*[PickListOrder(pick_list=pick_list.id, order=order_id, position=n, open=1)
                                         for n, order_id in enumerate(ids, start=1)])
            await PickLine.insert(*[PickLine(pick_list=pick_list.id, order=p["order"], order_line=p["order_line"],
                                             variant=p["variant"], bin=p["bin"], seq=n, qty=p["qty"])
                                    for n, p in enumerate(planned, start=1)])
            for order in orders:
                if order["status"] == "confirmed":
                    await change_status(order["id"], "picking", actor=actor, comment=number)
            await record(actor, "pick_list.create", "pick_list", pick_list.id,
                         {"number": number, "orders": [o["number"] for o in orders], "lines": len(planned),
                          "mode": mode, "picker": picker or actor})
    except Exception as exc:
        if is_unique_violation(exc):  # another device took one of these orders at the same moment
            raise Conflict("One of these orders has just been taken into another pick list; reload the queue",
                           field="orders") from None
        raise
    return pick_list.id


async def set_mode(pick_list_id: int, mode: str, *, actor: str) -> None:
    """Item-first (the list's order) or location-first (scan the bin, then the goods)."""
    if mode not in PICK_MODES:
        raise ValidationFailed("Unknown picking mode %(mode)s: use item or location", field="mode",
                               mode=str(mode)[:20])
    async with write_tx():
        found = await PickList.select(PickList.id, PickList.mode).where(PickList.id == pick_list_id).first()
        if found is None:
            raise NotFound("Pick list %(id)s not found", id=pick_list_id)
        if found["mode"] != mode:
            await PickList.update({PickList.mode: mode}).where(PickList.id == pick_list_id)
            await record(actor, "pick_list.mode", "pick_list", pick_list_id, {"mode": {"old": found["mode"], "new": mode}})


async def warehouses_with_queue() -> list[dict]:
    """Active warehouses, each with how many orders wait to be picked there (for the picker's choice)."""
    rows = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.active.eq(True)).order_by(Warehouse.code)
    counts = await Order.raw(
        "SELECT o.warehouse, COUNT(*) AS n FROM sales_order o WHERE o.status IN ('confirmed', 'picking') AND NOT "
        "EXISTS (SELECT 1 FROM pick_list_order p WHERE p.\"order\" = o.id AND p.open = 1) GROUP BY o.warehouse")
    by_wh = {r["warehouse"]: int(r["n"]) for r in counts}
    return [{**r, "waiting": by_wh.get(r["id"], 0)} for r in rows]


async def bins_of(warehouse_id: int) -> dict[str, int]:
    """Bin address (upper case) → id, for bin scans in location-first mode."""
    rows = await Bin.select(Bin.id, Bin.address).where((Bin.warehouse == warehouse_id) & (Bin.active.eq(True)))
    return {r["address"].upper(): r["id"] for r in rows}

