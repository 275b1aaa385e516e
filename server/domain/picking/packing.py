"""Completing a pick list: every fully picked order in it becomes "packed".

`complete_pick_list` packs, in one transaction with the list locked, each order of the list whose lines
are all picked (through the order status machine: picking → packed). An order with a shortage the
picker reported waits for the manager (server/domain/picking/shortages.py); one still being picked is
reported line by line. The list is done when every order in it is packed or cancelled. Completing
again (a double tap, a replayed offline request) packs nothing twice and says so (`already`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.orders.status import change_status
from server.domain.picking._context import ScanLine, load_context, lock_list
from server.domain.picking.tables import PickList, PickListOrder
from server.errors import Conflict, DomainError


@dataclass(frozen=True)
class PackResult:
    pick_list_id: int
    number: str
    packed: list[str] = field(default_factory=list)  # order numbers packed now
    already_packed: list[str] = field(default_factory=list)  # packed by an earlier completion
    waiting: list[dict] = field(default_factory=list)  # {"number", "reason": "shortage" | "picking"}
    cancelled: list[str] = field(default_factory=list)
    list_done: bool = False
    already: bool = False  # nothing was left to do: a repeated completion


def _missing(lines: list[ScanLine]) -> list[DomainError]:
    return [Conflict("Order %(order)s, %(name)s: %(picked)s of %(qty)s picked", field=f"lines[{x.id}]",
                     order=x.order_number, name=x.name, picked=x.picked, qty=x.qty)
            for x in lines if x.left > 0]


async def complete_pick_list(pick_list_id: int, *, actor: str) -> PackResult:
    async with write_tx():
        await lock_list(pick_list_id)
        ctx = await load_context(pick_list_id)
        members = await PickListOrder.select(PickListOrder.id, PickListOrder.order, PickListOrder.packed_at,
                                             PickListOrder.order.number.as_alias("number"),
                                             PickListOrder.order.status.as_alias("status")).where(
            PickListOrder.pick_list == pick_list_id).order_by(PickListOrder.position)
        by_order: dict[int, list[ScanLine]] = defaultdict(list)
        for line in ctx.lines:
            by_order[line.order_id].append(line)
        already = [m["number"] for m in members if m["status"] != "picking" and m["packed_at"] is not None]
        if ctx.status != "open":
            return PackResult(pick_list_id, ctx.number, already_packed=already, list_done=True, already=True)
        now = datetime.now(UTC)
        packed, waiting, cancelled, missing = [], [], [], []
        for m in members:
            lines = by_order[m["order"]]
            if m["status"] == "cancelled":
                cancelled.append(m["number"])
                await PickListOrder.update({PickListOrder.open: 0}).where(PickListOrder.id == m["id"])
            elif m["status"] != "picking":
                continue
            elif any(x.short > 0 for x in lines):
                waiting.append({"number": m["number"], "reason": "shortage"})
            elif any(x.left > 0 for x in lines):
                waiting.append({"number": m["number"], "reason": "picking"})
                missing.extend(_missing(lines))
            else:
                await change_status(m["order"], "packed", actor=actor, comment=ctx.number)
                await PickListOrder.update({PickListOrder.packed_at: now, PickListOrder.open: 0}).where(
                    PickListOrder.id == m["id"])
                packed.append(m["number"])
        if not packed and missing:
            raise Conflict("Not everything is picked yet: %(count)s lines are short", problems=missing,
                           count=len(missing))
        done = not waiting
        if done:
            await PickList.update({PickList.status: "done", PickList.finished_at: now}).where(
                PickList.id == pick_list_id)
        if packed or done:
            await record(actor, "pick_list.complete", "pick_list", pick_list_id,
                         {"number": ctx.number, "packed": packed, "waiting": [w["number"] for w in waiting],
                          "cancelled": cancelled, "done": done})
    return PackResult(pick_list_id, ctx.number, packed=packed, already_packed=already, waiting=waiting,
                      cancelled=cancelled, list_done=done, already=not packed and not cancelled and bool(already))
