"""The audit log: who changed what and when. Call `record` inside the same transaction as the change."""

from __future__ import annotations

from typing import Any

from server.domain.audit.tables import AuditEntry


async def record(actor: str, action: str, entity: str, entity_id: Any, changes: dict | None = None) -> None:
    await AuditEntry.insert(
        AuditEntry(actor=actor or "system", action=action, entity=entity, entity_id=str(entity_id),
                   changes=changes or {})
    )


async def history(entity: str | None = None, entity_id: Any = None, limit: int = 100) -> list[dict]:
    query = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == str(entity_id))
    return await query.output(load_json=True)
