"""Re-reservation by hand: when stock has arrived, an open order takes what is now available for its
short lines (line by line, in line order), in one transaction with its audit row."""

from __future__ import annotations

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.orders.intake import order_ref
from server.domain.orders.status import OPEN_STATUSES, lock_order, order_lines
from server.domain.orders.tables import OrderLine
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve
from server.errors import Conflict


async def rereserve(order_id: int, actor: str = "system") -> dict[int, int]:
    """Reserves what is available now for every short line of an open order. Returns {line_no: units
    newly reserved} for the lines that were short (0 where nothing came)."""
    async with write_tx():
        order = await lock_order(order_id)
        if order["status"] not in OPEN_STATUSES:
            raise Conflict("Order %(number)s is no longer open; its reservations cannot change",
                           field="status", number=order["number"])
        short = [x for x in await order_lines(order_id) if x["qty"] - x["reserved"] - x["shipped"] > 0]
        if not short:
            return {}
        results = await reserve(order_ref(order_id), order["warehouse"],
                                [ReserveRequest(x["variant"], x["qty"] - x["reserved"] - x["shipped"]) for x in short],
                                partial=True, actor=actor)
        taken: dict[int, int] = {}
        for line, result in zip(short, results, strict=True):
            taken[line["line_no"]] = result.reserved
            if result.reserved:
                await OrderLine.update({OrderLine.reserved: OrderLine.reserved + result.reserved}).where(
                    OrderLine.id == line["id"])
        if any(taken.values()):
            await record(actor, "order.rereserve", "order", order_id,
                         {"number": order["number"], "reserved": {str(k): v for k, v in taken.items() if v}})
    return taken
