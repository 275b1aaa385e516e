"""The packing slip that goes into the box: what the order is, who gets it, how it travels, what is inside.

`packing_slip(order_id)` gathers the order number (also drawn as Code 128 and as a QR code), the time
it was placed, the customer's name and phone, the delivery method, address and window, the lines (SKU,
name, quantity, how many marking codes / serials were taken), the pick list and its picker. No prices:
pickers print it. Lines that were taken off the order (quantity 0) are left out.
"""

from __future__ import annotations

from collections import Counter

from server.domain.catalog.barcode_svg import code128_svg, qr_svg
from server.domain.marking.codes import order_codes
from server.domain.orders.status import order_lines
from server.domain.orders.tables import Order
from server.domain.picking._context import utc
from server.domain.picking.tables import PickListOrder
from server.errors import NotFound


async def _pick_list(order_id: int) -> dict | None:
    """The newest pick list of the order that was not cancelled, with the order's tote number in it."""
    rows = await PickListOrder.select(
        PickListOrder.position, PickListOrder.packed_at, PickListOrder.pick_list.id.as_alias("id"),
        PickListOrder.pick_list.number.as_alias("number"), PickListOrder.pick_list.picker.as_alias("picker"),
        PickListOrder.pick_list.status.as_alias("status"),
        PickListOrder.pick_list.finished_at.as_alias("finished_at")).where(
        PickListOrder.order == order_id).order_by(PickListOrder.id, ascending=False)
    chosen = next((r for r in rows if r["status"] != "cancelled"), None)
    if chosen is None:
        return None
    return {**chosen, "packed_at": utc(chosen["packed_at"]), "finished_at": utc(chosen["finished_at"])}


async def packing_slip(order_id: int) -> dict:
    order = await Order.select(Order.id, Order.number, Order.status, Order.placed_at, Order.contact_name,
                               Order.contact_phone, Order.delivery_method, Order.delivery_address, Order.window_start,
                               Order.window_end, Order.comment).where(Order.id == order_id).first()
    if order is None:
        raise NotFound("Order %(id)s not found", id=order_id)
    codes = Counter(c["order_line"] for c in await order_codes(order_id))
    lines = [{"line_no": x["line_no"], "sku": x["sku"], "name": x["name"], "qty": x["qty"],
              "codes": codes.get(x["id"], 0)} for x in await order_lines(order_id) if x["qty"] > 0]
    return {
        "order_id": order["id"], "number": order["number"], "status": order["status"],
        "placed_at": utc(order["placed_at"]),
        "customer": {"name": order["contact_name"], "phone": order["contact_phone"]},
        "delivery": {"method": order["delivery_method"], "address": order["delivery_address"],
                     "window_start": utc(order["window_start"]), "window_end": utc(order["window_end"])},
        "comment": order["comment"],
        "lines": lines, "units": sum(x["qty"] for x in lines), "codes": sum(x["codes"] for x in lines),
        "pick_list": await _pick_list(order_id),
        "barcode": code128_svg(order["number"], label=order["number"]),
        "qr": qr_svg(order["number"], label=order["number"]),
    }
