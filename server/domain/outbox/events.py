"""emit(): put an event into the outbox, inside the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from server.db import in_transaction
from server.domain.outbox.tables import OutboxEvent


async def emit(topic: str, payload: dict[str, Any], *, event_id: uuid.UUID | None = None) -> uuid.UUID:
    """Writes one outbox row. Must run inside write_tx(): the event exists exactly when the change
    that caused it was committed. Returns the event id (also the de-duplication key downstream)."""
    if not in_transaction():
        raise RuntimeError("outbox.emit() must be called inside the transaction of the change")
    eid = event_id or uuid.uuid4()
    await OutboxEvent.insert(OutboxEvent(event_id=eid, topic=topic, payload=payload))
    return eid
