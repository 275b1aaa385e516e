"""Units of measure (OKEI codes). The usual ones are seeded on first use, idempotently."""

from __future__ import annotations

from server.db import write_tx
from server.domain.catalog.tables import Unit

# OKEI code → short Russian name, as on invoices and in 1C.
DEFAULT_UNITS: dict[str, str] = {
    "796": "шт",
    "166": "кг",
    "163": "г",
    "112": "л",
    "111": "мл",
    "006": "м",
    "778": "упак",
}


async def ensure_units() -> None:
    """Adds the missing usual units; safe to call concurrently and repeatedly."""
    have = {r["code"] for r in await Unit.select(Unit.code).where(Unit.code.is_in(list(DEFAULT_UNITS)))}
    missing = [code for code in DEFAULT_UNITS if code not in have]
    if not missing:
        return
    async with write_tx():
        for code in missing:
            await Unit.raw("INSERT INTO unit (code, name) VALUES ({}, {}) ON CONFLICT (code) DO NOTHING",
                           code, DEFAULT_UNITS[code])


async def list_units() -> list[dict]:
    """[{"id", "code", "name"}] by code."""
    await ensure_units()
    return await Unit.select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)


async def unit_ids(codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = await Unit.select(Unit.id, Unit.code).where(Unit.code.is_in(sorted(set(codes))))
    return {r["code"]: r["id"] for r in rows}
