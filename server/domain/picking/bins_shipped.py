"""Where an order's goods were picked from: the shipment takes them out of those bins.

The order status machine (server/domain/orders/status.py) asks `picked_bins` when the order leaves for
delivery and hands the answer to stock.reservations.consume, which caps each bin at what it holds now
and ships the rest without a bin. Picking imports the order status machine, so status.py imports this
module inside its function, never at the top.
"""

from __future__ import annotations

from server.domain.picking.tables import PickLine


async def picked_bins(order_id: int) -> dict[int, list[tuple[int, int]]]:
    """variant → [(bin id, units picked there)] over the order's pick lines of lists not cancelled, the
    bins in walking order."""
    rows = await PickLine.raw(
        "SELECT pl.variant, pl.bin, SUM(pl.picked) AS units FROM pick_line pl "
        "JOIN pick_list l ON l.id = pl.pick_list JOIN bin b ON b.id = pl.bin "
        "WHERE pl.\"order\" = {} AND l.status <> 'cancelled' AND pl.picked > 0 "
        "GROUP BY pl.variant, pl.bin, b.pick_seq, b.address ORDER BY pl.variant, b.pick_seq, b.address, pl.bin",
        order_id)
    found: dict[int, list[tuple[int, int]]] = {}
    for r in rows:
        found.setdefault(r["variant"], []).append((r["bin"], int(r["units"])))
    return found
