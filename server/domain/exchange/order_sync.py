"""Which of our orders a channel still has to hear about, and taking in what a channel says of them.

An order is pending for a channel while the version the channel confirmed (ExchangeOrderState
.acked_version, a copy of the order's updated_at) differs from the order's updated_at: a new order, a
status change, a payment. `mark_sent` remembers the version put into a document; `ack_sent` — once the
other side answered "success" — makes it the confirmed one. An order taken in from a channel, or
changed by what it said, is confirmed at once (`mark_synced`), so nothing is echoed back.
Versions are copied inside SQL (never through Python), so they compare exactly on both databases.

`apply_remote_state` moves an order towards the status another system reports — step by step along
the status machine, never backwards — and records a payment when it says the order is paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.db import write_tx
from server.domain.exchange.tables import ExchangeOrderState
from server.domain.orders.edits import record_payment
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.errors import DomainError

FORWARD = ("new", "confirmed", "picking", "packed", "out_for_delivery", "delivered", "closed")
SHIPPED = ("out_for_delivery", "delivered", "closed")


def _marks(values: Sequence) -> str:
    return ", ".join("{}" for _ in values)


async def pending_orders(channel: str, *, own_only: bool, order_channels: Sequence[str] = (),
                         limit: int = 500) -> list[int]:
    """Ids of the orders the channel has not confirmed in their current version, oldest first.
    own_only: only the orders that came from this channel (a site hears about its own orders);
    else every order (of `order_channels` when given: the shop's 1C hears about all of them)."""
    where, args = ["(s.id IS NULL OR s.acked_version IS NULL OR s.acked_version <> o.updated_at)"], [channel]
    if own_only:
        where.append("o.channel = {}")
        args.append(channel)
    elif order_channels:
        where.append(f"o.channel IN ({_marks(order_channels)})")
        args.extend(order_channels)
    rows = await Order.raw(
        "SELECT o.id FROM sales_order o LEFT JOIN exchange_order_state s ON s.order_id = o.id AND s.channel = {} "
        f"WHERE {' AND '.join(where)} ORDER BY o.id LIMIT {{}}", *args, max(1, int(limit)))
    return [int(r["id"]) for r in rows]


async def _upsert(channel: str, order_ids: Sequence[int], column: str) -> None:
    """Copies each order's updated_at into `column` of its state row (made when missing)."""
    if not order_ids:
        return
    await ExchangeOrderState.raw(
        f"INSERT INTO exchange_order_state (channel, order_id, remote_id, remote_number, {column}) "
        f"SELECT {{}}, o.id, '', '', o.updated_at FROM sales_order o WHERE o.id IN ({_marks(order_ids)}) "
        f"ON CONFLICT (channel, order_id) DO UPDATE SET {column} = excluded.{column}",
        channel, *order_ids)


async def mark_sent(channel: str, order_ids: Sequence[int]) -> None:
    """These orders went into a document for the channel, in their current version."""
    async with write_tx():
        await _upsert(channel, list(order_ids), "sent_version")


async def ack_sent(channel: str, order_ids: Sequence[int] | None = None) -> int:
    """The channel confirmed the document: what was sent (of these orders, or all) is confirmed.
    Returns how many orders."""
    if order_ids is not None and not order_ids:
        return 0
    only = f" AND order_id IN ({_marks(order_ids)})" if order_ids else ""
    async with write_tx():
        rows = await ExchangeOrderState.raw(
            "UPDATE exchange_order_state SET acked_version = sent_version, sent_version = NULL "
            f"WHERE channel = {{}} AND sent_version IS NOT NULL{only} RETURNING id", channel, *(order_ids or []))
    return len(rows)


async def is_pending(channel: str, order_id: int) -> bool:
    """The channel has not confirmed the order's current version (or has never heard of it)."""
    rows = await Order.raw(
        "SELECT o.id FROM sales_order o LEFT JOIN exchange_order_state s ON s.order_id = o.id AND s.channel = {} "
        "WHERE o.id = {} AND (s.id IS NULL OR s.acked_version IS NULL OR s.acked_version <> o.updated_at)",
        channel, order_id)
    return bool(rows)


async def mark_synced(channel: str, order_id: int, *, remote_id: str = "", remote_number: str = "",
                      ack: bool = True) -> None:
    """The channel knows the order as it is now (it sent it, or its change was just applied; ack=False:
    only remember its id and number there, when given)."""
    async with write_tx():
        if ack:
            await _upsert(channel, [order_id], "acked_version")
        else:
            await ExchangeOrderState.raw(
                "INSERT INTO exchange_order_state (channel, order_id, remote_id, remote_number) VALUES ({}, {}, '', '') "
                "ON CONFLICT (channel, order_id) DO NOTHING", channel, order_id)
        changes = {}
        if remote_id:
            changes[ExchangeOrderState.remote_id] = remote_id[:128]
        if remote_number:
            changes[ExchangeOrderState.remote_number] = remote_number[:64]
        if changes:
            await ExchangeOrderState.update(changes).where(
                (ExchangeOrderState.channel == channel) & (ExchangeOrderState.order_id == order_id))


async def remote_ids(channel: str, order_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """{order id: (its id there, its number there)} for the orders the channel has named."""
    if not order_ids:
        return {}
    rows = await ExchangeOrderState.select(ExchangeOrderState.order_id, ExchangeOrderState.remote_id,
                                           ExchangeOrderState.remote_number).where(
        (ExchangeOrderState.channel == channel) & ExchangeOrderState.order_id.is_in(list(order_ids)))
    return {int(r["order_id"]): (r["remote_id"], r["remote_number"]) for r in rows}


async def find_order(channel: str, remote_id: str, number: str = "") -> int | None:
    """Our order that the channel calls `remote_id`: one it sent us (external id), one we sent it (our
    id, remembered in its state row), or — by number — one of ours it names by our number."""
    remote_id, number = (remote_id or "").strip(), (number or "").strip()
    if remote_id:
        row = await Order.select(Order.id).where((Order.channel == channel) & (Order.external_id == remote_id)).first()
        if row is not None:
            return int(row["id"])
        row = await ExchangeOrderState.select(ExchangeOrderState.order_id).where(
            (ExchangeOrderState.channel == channel) & (ExchangeOrderState.remote_id == remote_id)).first()
        if row is not None:
            return int(row["order_id"])
        if remote_id.isdigit() and len(remote_id) < 18:
            row = await ExchangeOrderState.select(ExchangeOrderState.order_id).where(
                (ExchangeOrderState.channel == channel) & (ExchangeOrderState.order_id == int(remote_id))).first()
            if row is not None:
                return int(row["order_id"])
    for text in (number, remote_id):
        if text:
            row = await Order.select(Order.id).where(Order.number == text).first()
            if row is not None:
                return int(row["id"])
    return None


@dataclass(frozen=True)
class RemoteState:
    """What another system says of an order: the status it should have (one of ours, or None when it
    says nothing we can map), cancelled, and paid in full."""

    status: str | None = None
    cancelled: bool = False
    paid: bool = False


@dataclass
class Applied:
    changed: list[str]  # the statuses the order went through
    paid: int = 0  # kopecks recorded as paid now
    refused: list[DomainError] | None = None  # why a step was not taken


def _target(current: str, state: RemoteState) -> list[str]:
    """The statuses to go through, in order (empty: nothing to do)."""
    if state.cancelled:
        if current in ("cancelled", "returned"):
            return []
        return ["returned"] if current in ("out_for_delivery", "delivered") else ["cancelled"]
    wanted = state.status
    if wanted is None or wanted == current or current not in FORWARD:
        return []
    if wanted not in FORWARD:
        return [wanted] if wanted in ("cancelled", "returned") else []
    here, there = FORWARD.index(current), FORWARD.index(wanted)
    return list(FORWARD[here + 1:there + 1]) if there > here else []


async def apply_remote_state(order_id: int, state: RemoteState, *, actor: str) -> Applied:
    """Payment first (a prepaid order may leave only when paid), then the status, one allowed step at a
    time; a step the rules refuse (stock not reserved, say) stops there and is reported, not raised."""
    applied = Applied(changed=[], refused=[])
    order = await Order.select(Order.status, Order.total, Order.paid, Order.payment_method).where(
        Order.id == order_id).first()
    if order is None:
        return applied
    if state.paid and order["paid"] < order["total"] and order["status"] not in ("cancelled", "returned"):
        applied.paid = order["total"] - order["paid"]
        await record_payment(order_id, applied.paid, order["payment_method"], actor=actor)
    for status in _target(order["status"], state):
        try:
            await change_status(order_id, status, actor=actor)
        except DomainError as exc:
            applied.refused.append(exc)
            break
        applied.changed.append(status)
    return applied
