"""What the manager's order board adds to queries.list_orders: the units still short per order."""

from __future__ import annotations

from server.domain.orders.status import OPEN_STATUSES
from server.domain.orders.tables import OrderLine


async def shortages_by_order(order_ids: list[int]) -> dict[int, int]:
    """order id → units not reserved yet, for the open orders among `order_ids` that are short."""
    ids = sorted({int(i) for i in order_ids})
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    statuses = ", ".join("{}" for _ in OPEN_STATUSES)
    rows = await OrderLine.raw(
        "SELECT l.\"order\" AS order_id, SUM(l.qty - l.reserved - l.shipped) AS short FROM order_line l "
        "JOIN sales_order o ON o.id = l.\"order\" "
        f"WHERE l.\"order\" IN ({marks}) AND o.status IN ({statuses}) AND l.qty > l.reserved + l.shipped "
        "GROUP BY l.\"order\"", *ids, *OPEN_STATUSES)
    return {int(r["order_id"]): int(r["short"]) for r in rows}
