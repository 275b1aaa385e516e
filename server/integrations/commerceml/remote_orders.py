"""Taking in an order document from a site or from the shop's 1C, in both exchange roles.

A document about an order we already have (one the channel sent before, or one of ours it names)
moves that order towards the state it reports — status, cancellation, payment; a new one is taken in
through the idempotent order intake (so a document that arrives twice makes one order). Either way
the channel then counts as knowing the order in its current version, so it is not echoed back.
Also: the text of a problem for the manager (Russian by default), and our orders as a document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.config import get_settings
from server.domain.channels.channels import Channel
from server.domain.exchange.order_sync import (
    RemoteState,
    apply_remote_state,
    find_order,
    is_pending,
    mark_synced,
    remote_ids,
)
from server.domain.orders.intake import intake_order
from server.domain.orders.settings import status_settings
from server.domain.orders.tables import Order as OrderRow
from server.domain.outbox.worker import wake
from server.errors import DomainError
from server.integrations.commerceml.catalog_export import ref_source
from server.integrations.commerceml.model import Order
from server.integrations.commerceml.orders_map import (
    incoming_order,
    is_delivery_line,
    outgoing_orders,
    remote_state,
)
from server.integrations.commerceml.writer import write_orders
from server.web.i18n import translate_error

SALE_VERSION = "2.05"  # what Bitrix's own sale exchange speaks; a channel's "sale_version" overrides


def explain(problem: DomainError) -> str:
    """The problem as the manager reads it (the shop's default language), with its first sub-problems."""
    lang = get_settings().default_locale
    text = translate_error(problem.message, problem.params, lang)
    subs = [translate_error(p.message, p.params, lang) for p in (problem.problems or [])[:5]]
    return "; ".join([text, *subs])


def timezone_of(channel: Channel) -> str:
    return str(channel.settings.get("timezone") or get_settings().timezone)


def _map(channel: Channel, key: str) -> dict[str, str]:
    value = channel.settings.get(key)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass
class Taken:
    order_id: int
    created: bool
    changed: list[str] = field(default_factory=list)
    paid: int = 0
    notes: list[str] = field(default_factory=list)


async def take_remote_order(channel: Channel, order: Order, *, actor: str) -> Taken | None:
    """Applies one document; None when it is about an order we do not know and has no goods (nothing
    to take in). Raises DomainError when a new order cannot be taken in (nothing is written then)."""
    labels = {code: s.label for code, s in (await status_settings()).items()}
    status_map = _map(channel, "status_map_in")
    remote_id = (order.id or order.number).strip()
    existing = await find_order(channel.code, remote_id, order.number)
    if existing is not None:
        state = remote_state(order, status_map=status_map, labels=labels)
        had_news = await is_pending(channel.code, existing)  # ours to tell: the document may not know it yet
        applied = await apply_remote_state(existing, state, actor=actor)
        await mark_synced(channel.code, existing, remote_id=remote_id if remote_id != str(existing) else "",
                          remote_number=order.number if order.number != remote_id else "",
                          ack=not had_news and bool(applied.changed or applied.paid))
        return Taken(existing, False, applied.changed, applied.paid, [explain(p) for p in applied.refused or []])
    if not any(not is_delivery_line(line) for line in order.lines):
        return None
    incoming = await incoming_order(order, channel.code, source=ref_source(channel), tz=timezone_of(channel),
                                    warehouse=channel.settings.get("warehouse") or None, status_map=status_map,
                                    labels=labels)
    result = await intake_order(incoming.intake, actor=actor)
    state = incoming.state
    applied = await apply_remote_state(result.order_id, RemoteState(status=state.status, cancelled=state.cancelled),
                                       actor=actor)
    await mark_synced(channel.code, result.order_id, remote_id=incoming.remote_id,
                      remote_number=incoming.remote_number)
    if result.created:
        wake()  # boards and the customer hear of it at once (inside an outer transaction: at the next poll)
    return Taken(result.order_id, result.created, applied.changed, 0,
                 [*incoming.notes, *(explain(p) for p in applied.refused or [])])


async def orders_document(channel: Channel, order_ids: list[int], *, encoding: str | None = None,
                          version: str | None = None) -> bytes:
    """Our orders as one CommerceML document for the channel (Ид and Номер as the channel knows them)."""
    known = await remote_ids(channel.code, order_ids)
    rows = await OrderRow.select(OrderRow.id, OrderRow.channel, OrderRow.external_id).where(
        OrderRow.id.is_in(order_ids or [0]))
    for r in rows:  # the channel's own orders are known there by their external id
        if r["channel"] == channel.code and r["external_id"] and not (known.get(r["id"]) or ("", ""))[0]:
            known[r["id"]] = (r["external_id"], (known.get(r["id"]) or ("", ""))[1])
    docs = await outgoing_orders(order_ids, source=ref_source(channel), tz=timezone_of(channel), remote=known,
                                 status_map=_map(channel, "status_map"))
    return write_orders(docs, version=version or str(channel.settings.get("sale_version") or SALE_VERSION),
                        encoding=encoding or str(channel.settings.get("encoding") or "utf-8"))
