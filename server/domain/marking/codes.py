"""The units' marking codes and serials kept on the order: taken when picked, released when the order is
cancelled or returned, read for the fiscal receipt. Call inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from server.domain.marking.gs1 import MarkingCode
from server.domain.marking.tables import UnitCode
from server.domain.orders.tables import Order


async def codes_in_use(keys: list[str]) -> dict[str, str]:
    """{code key: the number of the order holding it ("" if none)} for the keys in use now."""
    keys = [k for k in keys if k]
    if not keys:
        return {}
    rows = await UnitCode.select(UnitCode.code_key, UnitCode.order).where(
        (UnitCode.code_key.is_in(keys)) & (UnitCode.released_at.is_null()))
    orders = {r["order"] for r in rows if r["order"] is not None}
    numbers = {o["id"]: o["number"] for o in await Order.select(Order.id, Order.number).where(
        Order.id.is_in(list(orders)))} if orders else {}
    return {r["code_key"]: numbers.get(r["order"], "") for r in rows}


async def take_code(*, variant_id: int, order_id: int, order_line_id: int, marking: MarkingCode | None, serial: str,
                     raw: str, source: str, actor: str) -> None:
    """Writes the unit's code (a unique index refuses a code already in use: the caller retries)."""
    if marking is not None:
        row = UnitCode(kind="marking", code_key=marking.ki, full_code=marking.km, raw=raw, gtin=marking.gtin,
                       serial=marking.serial, variant=variant_id, order=order_id, order_line=order_line_id,
                       source=source, actor=actor)
    else:
        row = UnitCode(kind="serial", code_key=f"{variant_id}:{serial}", full_code=serial, raw=raw, serial=serial,
                       variant=variant_id, order=order_id, order_line=order_line_id, source=source, actor=actor)
    await UnitCode.insert(row)


async def release_order_codes(order_id: int, reason: str) -> int:
    """Frees the codes of an order that was cancelled or came back: the units may be sold again."""
    held = await UnitCode.count().where((UnitCode.order == order_id) & (UnitCode.released_at.is_null()))
    if held:
        await UnitCode.update({UnitCode.released_at: datetime.now(UTC), UnitCode.release_reason: reason}).where(
            (UnitCode.order == order_id) & (UnitCode.released_at.is_null()))
    return held


async def order_codes(order_id: int) -> list[dict]:
    """The codes of the order's units in use, by line (for the order card and the fiscal receipt)."""
    return await UnitCode.select(UnitCode.id, UnitCode.kind, UnitCode.order_line, UnitCode.variant, UnitCode.gtin,
                                 UnitCode.serial, UnitCode.full_code, UnitCode.code_key, UnitCode.created_at,
                                 UnitCode.actor).where(
        (UnitCode.order == order_id) & (UnitCode.released_at.is_null())).order_by(UnitCode.id)
