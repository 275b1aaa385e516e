"""Shortages order by order, and re-reserving what has arrived.

`queries.shortages()` sums open demand per variant; the manager's shortages screen also needs the
orders behind each sum (to re-reserve one of them) and whether the stock they wait for is there now.
`rereserve_arrived()` re-reserves, oldest order first, every open order that waits for goods now
available in its warehouse; each order is its own transaction (reservations.rereserve).
"""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.orders.reservations import rereserve
from server.domain.orders.settings import status_settings
from server.domain.orders.status import OPEN_STATUSES
from server.domain.orders.tables import Order
from server.errors import Conflict, NotFound

MAX_LINES = 2000  # a screen does not show more; the oldest orders come first


@dataclass(frozen=True)
class Rereserved:
    orders: int  # orders that got at least one more unit
    units: int  # units newly reserved in all
    tried: int  # orders looked at (their goods were available)


async def short_lines(*, limit: int = MAX_LINES) -> list[dict]:
    """Lines of open orders that are not fully reserved, oldest order first: order id, number,
    status (code and the shop's label), placed_at, variant id, sku, name, units short, and what is
    available now (on hand − reserved, never below 0) in the order's warehouse."""
    marks = ", ".join("{}" for _ in OPEN_STATUSES)
    rows = await Order.raw(
        "SELECT o.id AS order_id, o.number AS number, o.status AS status, o.placed_at AS placed_at, "
        "l.line_no AS line_no, l.variant AS variant_id, l.sku AS sku, l.name AS name, "
        "l.qty - l.reserved - l.shipped AS short, "
        "COALESCE(b.on_hand - b.reserved, 0) AS available "
        "FROM order_line l JOIN sales_order o ON o.id = l.\"order\" "
        "LEFT JOIN stock_balance b ON b.variant = l.variant AND b.warehouse = o.warehouse "
        f"WHERE o.status IN ({marks}) AND l.qty > l.reserved + l.shipped "
        "ORDER BY o.placed_at, o.id, l.line_no LIMIT {}", *OPEN_STATUSES, max(1, min(int(limit), MAX_LINES)))
    labels = {code: s.label for code, s in (await status_settings()).items()}
    for row in rows:
        row["available"] = max(int(row["available"] or 0), 0)
        row["short"] = int(row["short"])
        row["status_label"] = labels.get(row["status"], row["status"])
    return rows


async def rereserve_arrived(*, actor: str = "system") -> Rereserved:
    """Re-reserves every open order that waits for goods available now, oldest first (the first to
    order gets the goods first). An order closed meanwhile is skipped."""
    waiting: list[int] = []
    for row in await short_lines():
        if row["available"] > 0 and row["order_id"] not in waiting:
            waiting.append(row["order_id"])
    orders = units = 0
    for order_id in waiting:
        try:
            taken = await rereserve(order_id, actor=actor)
        except (Conflict, NotFound):
            continue
        got = sum(taken.values())
        if got:
            orders, units = orders + 1, units + got
    return Rereserved(orders=orders, units=units, tried=len(waiting))
