"""The external id mapping: find our rows by an outside system's ids, remember new ones, and the
reverse (our ids → theirs) for exports to the same system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from server.domain.exchange import _sql
from server.domain.exchange.tables import REF_KINDS

MAX_EXTERNAL_ID = 200


def _check_kind(kind: str) -> None:
    if kind not in REF_KINDS:
        raise ValueError(f"unknown external reference kind {kind!r}")


async def load_refs(source: str, kind: str, external_ids: Sequence[str]) -> dict[str, int]:
    """{external id: internal id} for the ids already known."""
    _check_kind(kind)
    rows = await _sql.select_in("SELECT external_id, internal_id FROM external_ref WHERE source = {} AND kind = {} "
                                "AND external_id IN ({in})", [e for e in external_ids if e], source, kind)
    return {r["external_id"]: int(r["internal_id"]) for r in rows}


async def refs_of(source: str, kind: str, internal_ids: Sequence[int]) -> dict[int, list[str]]:
    """{internal id: [external ids]} — the outside ids of our rows (a row may have several)."""
    _check_kind(kind)
    rows = await _sql.select_in("SELECT external_id, internal_id FROM external_ref WHERE source = {} AND kind = {} "
                                "AND internal_id IN ({in})", [int(i) for i in internal_ids], source, kind)
    found: dict[int, list[str]] = {}
    for r in sorted(rows, key=lambda r: r["external_id"]):
        found.setdefault(int(r["internal_id"]), []).append(r["external_id"])
    return found


async def external_ids(kind: str, internal_ids: Sequence[int], source: str = "1c") -> dict[int, str]:
    """{internal id: external id} for exports back to the same system (the first one when several)."""
    return {k: v[0] for k, v in (await refs_of(source, kind, internal_ids)).items()}


async def save_refs(source: str, kind: str, rows: Sequence[tuple[str, int, str]]) -> None:
    """Remembers (external id, internal id, label) rows; an existing external id is re-pointed."""
    _check_kind(kind)
    now = datetime.now(UTC)
    values = [(source, kind, ext, int(internal), (label or "")[:300], now) for ext, internal, label in rows]
    await _sql.insert_rows("external_ref", ("source", "kind", "external_id", "internal_id", "label", "updated_at"),
                           values, conflict="ON CONFLICT (source, kind, external_id) DO UPDATE SET "
                           "internal_id = excluded.internal_id, label = excluded.label, "
                           "updated_at = excluded.updated_at")


async def rename_ref(source: str, kind: str, old_external_id: str, new_external_id: str) -> None:
    """The same internal row now answers to another external id (a placeholder variant taken over)."""
    _check_kind(kind)
    await _sql.raw("UPDATE external_ref SET external_id = {} WHERE source = {} AND kind = {} AND external_id = {}",
                   new_external_id, source, kind, old_external_id)


async def claimed(source: str, kind: str) -> set[int]:
    """Our rows of this kind that some external id of the source already points at."""
    _check_kind(kind)
    rows = await _sql.raw("SELECT DISTINCT internal_id FROM external_ref WHERE source = {} AND kind = {}", source, kind)
    return {int(r["internal_id"]) for r in rows}
