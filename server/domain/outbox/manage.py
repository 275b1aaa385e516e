"""What a person does with the outbox: look at events (failed ones first of all) and send one again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.outbox.tables import OutboxEvent
from server.errors import Conflict, NotFound

STATUSES = ("pending", "done", "failed")


def _event_uuid(event_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(str(event_id))
    except ValueError:
        raise NotFound("Unknown event %(id)s", id=str(event_id)[:40]) from None


async def retry(event_id: uuid.UUID | str, *, actor: str = "system") -> dict[str, Any]:
    """Makes a failed (or waiting) event due now with a fresh count of attempts. Handlers de-duplicate
    by event id, so what already reached its recipient is not sent twice. A delivered event is refused."""
    eid = _event_uuid(event_id)
    async with write_tx():
        row = await OutboxEvent.select(OutboxEvent.id, OutboxEvent.status, OutboxEvent.attempts,
                                       OutboxEvent.topic).where(OutboxEvent.event_id == eid).first()
        if row is None:
            raise NotFound("Unknown event %(id)s", id=str(eid))
        if row["status"] == "done":
            raise Conflict("The event %(id)s was delivered already", id=str(eid))
        await OutboxEvent.update({OutboxEvent.status: "pending", OutboxEvent.attempts: 0,
                                  OutboxEvent.available_at: datetime.now(UTC), OutboxEvent.processed_at: None,
                                  OutboxEvent.locked_by: ""}).where(OutboxEvent.id == row["id"])
        await record(actor, "retry", "outbox_event", eid,
                     {"topic": row["topic"], "status": {"old": row["status"], "new": "pending"},
                      "attempts": {"old": row["attempts"], "new": 0}})
    return {"event_id": eid, "topic": row["topic"], "status": "pending"}


async def get_event(event_id: uuid.UUID | str) -> dict[str, Any]:
    eid = _event_uuid(event_id)
    row = await OutboxEvent.select().where(OutboxEvent.event_id == eid).first().output(load_json=True)
    if row is None:
        raise NotFound("Unknown event %(id)s", id=str(eid))
    return row


async def list_events(*, status: str = "", topic: str = "", limit: int = 50,
                      offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Newest first; `status` one of STATUSES (empty: all). Returns (rows, total)."""
    where = []
    if status in STATUSES:
        where.append(OutboxEvent.status == status)
    if topic:
        where.append(OutboxEvent.topic == topic)
    query = OutboxEvent.select().order_by(OutboxEvent.id, ascending=False).limit(limit).offset(offset)
    count = OutboxEvent.count()
    for condition in where:
        query, count = query.where(condition), count.where(condition)
    return await query.output(load_json=True), await count


async def counts(topics: list[str] | None = None) -> dict[str, int]:
    """Events per status, e.g. {"pending": 3, "done": 120, "failed": 1}; only of `topics` when given
    (events of a topic nobody handles in this version wait, and are not counted as a backlog)."""
    found = dict.fromkeys(STATUSES, 0)
    if topics is not None and not topics:
        return found
    query = OutboxEvent.select(OutboxEvent.status, Count(OutboxEvent.id, alias="n")).group_by(OutboxEvent.status)
    if topics is not None:
        query = query.where(OutboxEvent.topic.is_in(topics))
    found.update({r["status"]: int(r["n"]) for r in await query})
    return found


async def purge_delivered(older_than: timedelta = timedelta(days=30)) -> int:
    """Deletes events delivered longer ago than `older_than` (the delivery log keeps its rows);
    returns how many. The worker loop calls it about once an hour."""
    cutoff = datetime.now(UTC) - older_than
    async with write_tx():
        gone = await OutboxEvent.delete().where((OutboxEvent.status == "done")
                                                & (OutboxEvent.processed_at < cutoff)).returning(OutboxEvent.id)
    return len(gone)
