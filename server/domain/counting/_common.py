"""What the counting services share: the count row locked, bins by address, the picker's current bin,
names of goods. Internal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from server.db import in_transaction, is_sqlite
from server.domain.catalog.tables import Variant
from server.domain.counting.tables import CountBin, CountLine, InventoryCount
from server.domain.picking._context import display_name, utc  # noqa: F401 - shared with the count's modules
from server.domain.stock.tables import Bin, Warehouse
from server.errors import Conflict, NotFound

PREFIX = "ИНВ"
_LOCK_NAMESPACE = 7_412  # pg_advisory_xact_lock(int, int): the count numbers' series
MAX_QTY = 1_000_000  # units of one variant in one bin, as typed


@dataclass
class CountHead:
    id: int
    number: str
    warehouse_id: int
    zone: str
    status: str
    document_id: int | None


async def next_count_number() -> str:
    """Inside write_tx: max + 1 (serialised by the IMMEDIATE transaction / an advisory lock)."""
    if not in_transaction():
        raise RuntimeError("next_count_number() must run inside write_tx()")
    if not is_sqlite():
        await InventoryCount.raw("SELECT pg_advisory_xact_lock({}, {})", _LOCK_NAMESPACE, 0)
    rows = await InventoryCount.raw(
        "SELECT MAX(CAST(SUBSTR(number, {}) AS INTEGER)) AS n FROM inventory_count WHERE number LIKE {}",
        len(PREFIX) + 2, f"{PREFIX}-%")
    last = rows[0]["n"] if rows and rows[0]["n"] is not None else 0
    return f"{PREFIX}-{int(last) + 1:06d}"


async def lock_count(count_id: int) -> CountHead:
    """The count row, locked until the transaction ends (PostgreSQL; SQLite has one writer): every write
    of one count goes through here, so two pickers' scans of one count never lose a unit."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    rows = await InventoryCount.raw(f"SELECT * FROM inventory_count WHERE id = {{}}{lock}", count_id)
    if not rows:
        raise NotFound("Inventory count %(id)s not found", id=count_id)
    return head_of(rows[0])


def head_of(row: dict) -> CountHead:
    return CountHead(id=row["id"], number=row["number"], warehouse_id=row["warehouse"], zone=row["zone"] or "",
                     status=row["status"], document_id=row["document"])


async def load_head(count_id: int) -> CountHead:
    row = await InventoryCount.select().where(InventoryCount.id == count_id).first()
    if row is None:
        raise NotFound("Inventory count %(id)s not found", id=count_id)
    return head_of(row)


def refuse_closed(head: CountHead) -> None:
    if head.status != "open":
        raise Conflict("Inventory count %(number)s is closed: nothing more is counted on it", number=head.number)


async def bin_by_address(warehouse_id: int, address: str) -> dict | None:
    """An active bin of the warehouse whose address is `address` in any case."""
    text = address.strip()
    if not text or len(text) > 80:
        return None
    rows = await Bin.raw("SELECT id, address, zone, warehouse FROM bin WHERE warehouse = {} AND active = {} "
                         "AND upper(address) = upper({}) LIMIT 1", warehouse_id, True, text)
    return rows[0] if rows else None


async def bin_elsewhere(warehouse_id: int, address: str) -> dict | None:
    """A bin with that address in another warehouse (to say so instead of "unknown code")."""
    text = address.strip()
    if not text or len(text) > 80:
        return None
    rows = await Bin.raw("SELECT b.id, b.address, w.name AS warehouse_name FROM bin b JOIN warehouse w "
                         "ON w.id = b.warehouse WHERE b.warehouse <> {} AND upper(b.address) = upper({}) LIMIT 1",
                         warehouse_id, text)
    return rows[0] if rows else None


async def count_bin_row(count_id: int, count_bin_id: int) -> dict:
    row = await CountBin.select(CountBin.all_columns(), CountBin.bin.address.as_alias("address")).where(
        CountBin.id == count_bin_id).first()
    if row is None or row["inventory"] != count_id:
        raise NotFound("Bin %(id)s is not part of this inventory count", id=count_bin_id)
    return row


async def current_bin(count_id: int, actor: str) -> dict | None:
    """The bin this person opened last in this count, while it is still being counted."""
    rows = await InventoryCount.raw(
        'SELECT s.count_bin FROM count_scan s WHERE s.inventory = {} AND s.actor = {} AND s.result = {} '
        "ORDER BY s.id DESC LIMIT 1", count_id, actor, "bin")
    if not rows or rows[0]["count_bin"] is None:
        return None
    row = await count_bin_row(count_id, rows[0]["count_bin"])
    return row if row["status"] == "counting" else None


async def variant_names(ids: set[int]) -> dict[int, dict]:
    """id → {"name", "sku", "characteristics"} for the screen (no prices, no stock)."""
    if not ids:
        return {}
    rows = await Variant.select(Variant.id, Variant.sku, Variant.name, Variant.characteristics,
                                Variant.product.name.as_alias("product")).where(
        Variant.id.is_in(sorted(ids))).output(load_json=True)
    return {r["id"]: {"name": display_name(r["product"], r["name"]), "sku": r["sku"],
                      "characteristics": r["characteristics"] or {}} for r in rows}


async def warehouse_row(warehouse_id: int) -> dict | None:
    return await Warehouse.select().where(Warehouse.id == warehouse_id).first()


async def add_units(count_bin_id: int, variant_id: int, units: int) -> int:
    """Adds to the bin's line of that variant (made when missing); the count row is locked. → the new qty."""
    now = datetime.now(UTC)
    line = await CountLine.select(CountLine.id, CountLine.qty).where(CountLine.count_bin == count_bin_id).where(
        CountLine.variant == variant_id).first()
    if line is None:
        await CountLine.insert(CountLine(count_bin=count_bin_id, variant=variant_id, qty=units, updated_at=now))
        return units
    await CountLine.update({CountLine.qty: CountLine.qty + units, CountLine.updated_at: now}).where(
        CountLine.id == line["id"])
    return line["qty"] + units


async def set_units(count_bin_id: int, variant_id: int, qty: int) -> None:
    now = datetime.now(UTC)
    found = await CountLine.exists().where(CountLine.count_bin == count_bin_id).where(CountLine.variant == variant_id)
    if not found:
        await CountLine.insert(CountLine(count_bin=count_bin_id, variant=variant_id, qty=qty, updated_at=now))
        return
    await CountLine.update({CountLine.qty: qty, CountLine.updated_at: now}).where(
        CountLine.count_bin == count_bin_id).where(CountLine.variant == variant_id)
