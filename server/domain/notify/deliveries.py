"""The delivery log: one row per (event, channel, recipient), written after each attempt. A row marked
'sent' is never sent again, whatever replays the event (the outbox delivers at least once)."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.db import write_tx
from server.domain.notify.providers import CHANNELS
from server.domain.notify.tables import NotificationDelivery

STATUSES = ("sent", "failed")


def delivery_key(event_id: uuid.UUID, channel: str, recipient: str) -> str:
    return hashlib.sha256(f"{event_id}|{channel}|{recipient}".encode()).hexdigest()


async def was_sent(event_id: uuid.UUID, channel: str, recipient: str) -> bool:
    return await NotificationDelivery.exists().where(
        (NotificationDelivery.key == delivery_key(event_id, channel, recipient))
        & (NotificationDelivery.status == "sent"))


async def record_attempt(event_id: uuid.UUID, channel: str, recipient: str, *, order_number: str,
                         order_status: str, error: str = "") -> None:
    """Writes the outcome of one attempt: sent when `error` is empty, else failed with the error."""
    now = datetime.now(UTC)
    key = delivery_key(event_id, channel, recipient)
    outcome = {NotificationDelivery.status: "failed" if error else "sent", NotificationDelivery.error: error[:2000],
               NotificationDelivery.updated_at: now, NotificationDelivery.sent_at: None if error else now}
    async with write_tx():  # two workers on one key: the second insert fails, and its event is retried
        updated = await NotificationDelivery.update(
            {**outcome, NotificationDelivery.attempts: NotificationDelivery.attempts + 1}).where(
            NotificationDelivery.key == key).returning(NotificationDelivery.id)
        if not updated:
            await NotificationDelivery.insert(NotificationDelivery(
                key=key, event_id=event_id, order_number=order_number[:64], order_status=order_status[:32],
                channel=channel, recipient=recipient[:1000], attempts=1, created_at=now,
                **{column._meta.name: value for column, value in outcome.items()}))


@dataclass(frozen=True)
class DeliveryFilter:
    status: str = ""  # sent | failed | "" (all)
    channel: str = ""  # email | sms | push | "" (all)
    query: str = ""  # order number or a part of the recipient
    event_id: uuid.UUID | None = None


async def search_deliveries(flt: DeliveryFilter, *, limit: int = 50,
                            offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Newest first. Returns (rows, total)."""
    conditions = []
    if flt.status in STATUSES:
        conditions.append(NotificationDelivery.status == flt.status)
    if flt.channel in CHANNELS:
        conditions.append(NotificationDelivery.channel == flt.channel)
    if flt.event_id is not None:
        conditions.append(NotificationDelivery.event_id == flt.event_id)
    text = flt.query.strip()
    if text:
        digits = re.sub(r"\D", "", text)
        phone_like = len(digits) >= 5 and not re.search(r"[^\d\s()+-]", text)
        needle = digits[1:] if phone_like and digits[0] in "78" else digits if phone_like else text.lower()
        conditions.append((NotificationDelivery.order_number == text.lstrip("№ ").strip())
                          | NotificationDelivery.recipient.like(f"%{_escape_like(needle)}%"))
    query = NotificationDelivery.select().order_by(NotificationDelivery.updated_at, ascending=False).order_by(
        NotificationDelivery.id, ascending=False).limit(limit).offset(offset)
    count = NotificationDelivery.count()
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    return await query, await count


def _escape_like(text: str) -> str:
    return text.replace("%", "").replace("_", "")[:100]
