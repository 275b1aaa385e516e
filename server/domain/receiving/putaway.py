"""Where received goods go: a put-away bin suggested per variant.

In this order, only active bins of the receipt's warehouse:
1. a bin where the variant already lies (the lowest pick order first) — goods of a kind stay together;
2. else the bin it was last received into (the shelf it had before it ran out);
3. else the first empty bin in walking order, not already given to other goods of this receipt.
None when the warehouse has no bins at all. The picker overrides a suggestion by scanning a bin.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.stock.tables import Bin


@dataclass(frozen=True)
class Suggestion:
    bin_id: int
    address: str
    why: str  # "stocked" | "last_receipt" | "empty"


async def _stocked(warehouse_id: int, variant_ids: list[int]) -> dict[int, Suggestion]:
    marks = ", ".join("{}" for _ in variant_ids)
    rows = await Bin.raw(
        "SELECT bb.variant, b.id, b.address FROM bin_balance bb JOIN bin b ON b.id = bb.bin "
        f"WHERE b.warehouse = {{}} AND b.active = {{}} AND bb.on_hand > 0 AND bb.variant IN ({marks}) "
        "ORDER BY b.pick_seq, b.id", warehouse_id, True, *variant_ids)
    found: dict[int, Suggestion] = {}
    for r in rows:
        found.setdefault(r["variant"], Suggestion(r["id"], r["address"], "stocked"))
    return found


async def _last_received(warehouse_id: int, variant_ids: list[int]) -> dict[int, Suggestion]:
    marks = ", ".join("{}" for _ in variant_ids)
    rows = await Bin.raw(
        "SELECT m.variant, b.id, b.address FROM stock_move m JOIN bin b ON b.id = m.bin "
        f"WHERE m.warehouse = {{}} AND m.counterpart = 'supplier' AND m.qty > 0 AND m.reversal = {{}} "
        f"AND b.active = {{}} AND m.variant IN ({marks}) ORDER BY m.id DESC", warehouse_id, False, True, *variant_ids)
    found: dict[int, Suggestion] = {}
    for r in rows:
        found.setdefault(r["variant"], Suggestion(r["id"], r["address"], "last_receipt"))
    return found


async def _empty_bins(warehouse_id: int, limit: int) -> list[Suggestion]:
    rows = await Bin.raw(
        "SELECT b.id, b.address FROM bin b WHERE b.warehouse = {} AND b.active = {} AND NOT EXISTS ("
        "SELECT 1 FROM bin_balance bb WHERE bb.bin = b.id AND bb.on_hand > 0) ORDER BY b.pick_seq, b.id LIMIT {}",
        warehouse_id, True, limit)
    return [Suggestion(r["id"], r["address"], "empty") for r in rows]


async def suggest_bins(warehouse_id: int, variant_ids: list[int], *, taken: set[int] | None = None
                       ) -> dict[int, Suggestion | None]:
    """A suggestion for each variant (None: the warehouse has no free bin to offer). `taken`: bins already
    used by this receipt, not offered again as empty ones."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    found = await _stocked(warehouse_id, ids)
    missing = [v for v in ids if v not in found]
    if missing:
        for v, s in (await _last_received(warehouse_id, missing)).items():
            found.setdefault(v, s)
    missing = [v for v in ids if v not in found]
    if missing:
        used = set(taken or ()) | {s.bin_id for s in found.values()}
        empty = [s for s in await _empty_bins(warehouse_id, len(missing) + len(used)) if s.bin_id not in used]
        for v, s in zip(missing, empty, strict=False):
            found[v] = s
    return {v: found.get(v) for v in ids}


async def bin_by_address(warehouse_id: int, address: str) -> dict | None:
    """An active bin of the warehouse by its address, in any case."""
    text = (address or "").strip()
    if not text or len(text) > 80:
        return None
    rows = await Bin.raw("SELECT id, address FROM bin WHERE warehouse = {} AND active = {} AND upper(address) = "
                         "upper({}) ORDER BY id LIMIT 1", warehouse_id, True, text)
    return rows[0] if rows else None
