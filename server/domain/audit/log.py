"""The audit log: who changed what and when. Call `record` inside the same transaction as the change.

`changes` is free-form; a changed field is written as {"field": {"old": a, "new": b}} and shown as
"a → b" (`readable_changes`). Never put secrets (password hashes, raw tokens) into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.audit.tables import AuditEntry
from server.errors import ValidationFailed


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


# --- the owner's audit screen ------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    entity: str = ""
    entity_id: str = ""
    actor: str = ""
    action: str = ""
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC


def day_range(date_from: str, date_to: str, timezone: str) -> tuple[datetime | None, datetime | None]:
    """"2026-11-01", "2026-11-30" (local days, both inclusive) → [since, until) in UTC.
    Empty strings leave that side open; a malformed date or a range that ends before it starts
    is refused."""
    zone = ZoneInfo(timezone)

    def parse(text: str, field: str) -> date | None:
        text = (text or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed("%(value)s is not a date; use the format YYYY-MM-DD", field=field,
                                   value=text[:20]) from None

    first, last = parse(date_from, "from"), parse(date_to, "to")
    if first and last and last < first:
        raise ValidationFailed("The end date is before the start date", field="to")
    since = datetime.combine(first, time.min, zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time.min, zone) if last else None
    return since, until


def _where(query, f: AuditFilter):
    for column, value in ((AuditEntry.entity, f.entity), (AuditEntry.entity_id, f.entity_id),
                          (AuditEntry.actor, f.actor), (AuditEntry.action, f.action)):
        if value:
            query = query.where(column == value)
    if f.since is not None:
        query = query.where(AuditEntry.at >= f.since)
    if f.until is not None:
        query = query.where(AuditEntry.at < f.until)
    return query


async def search_entries(f: AuditFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    """Entries matching every given filter, newest first, one page; plus how many match in all."""
    rows = await _where(AuditEntry.select(), f).order_by(AuditEntry.at, AuditEntry.id, ascending=False).limit(
        limit).offset(offset).output(load_json=True)
    total = await _where(AuditEntry.count(), f)
    return rows, total


async def filter_choices() -> dict[str, list[str]]:
    """The entity kinds, actions and actors that occur in the log (for the filter lists)."""
    result: dict[str, list[str]] = {}
    for key, column in (("entities", AuditEntry.entity), ("actions", AuditEntry.action),
                        ("actors", AuditEntry.actor)):
        rows = await AuditEntry.select(column).distinct().order_by(column)
        result[key] = [r[column._meta.name] for r in rows if r[column._meta.name]]
    return result


@dataclass(frozen=True)
class ChangeItem:
    field: str
    value: Any = None  # a plain value (shown as is)
    old: Any = None
    new: Any = None
    changed: bool = False  # True: show "old → new"


def readable_changes(changes: Any) -> list[ChangeItem]:
    """`changes` as rows a person can read: {"f": {"old": a, "new": b}} → f: a → b; lists joined."""
    if not isinstance(changes, dict):
        return [ChangeItem(field="", value=_plain(changes))] if changes not in (None, "", {}) else []
    items = []
    for key, value in changes.items():
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            items.append(ChangeItem(field=str(key), old=_plain(value["old"]), new=_plain(value["new"]),
                                    changed=True))
        else:
            items.append(ChangeItem(field=str(key), value=_plain(value)))
    return items


def _plain(value: Any) -> Any:
    """Lists become "a, b"; nested objects "k: v; …"; booleans and None stay (the page names them)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_plain(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return value
