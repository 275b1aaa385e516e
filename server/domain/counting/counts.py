"""Inventory counts: start one, read it for the device's screen, and the bin actions besides scanning —
a counted quantity typed in, «bin counted», a done bin counted again, a count cancelled.

Every write locks the count row first (counting/_common.lock_count), as scans do. What the device is
shown is blind: what was counted, never what the ledger says is there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.counting._common import (
    MAX_QTY,
    count_bin_row,
    current_bin,
    load_head,
    lock_count,
    next_count_number,
    refuse_closed,
    set_units,
    utc,
    variant_names,
    warehouse_row,
)
from server.domain.counting.tables import CountBin, CountLine, CountScan, InventoryCount
from server.domain.stock.tables import Bin, Warehouse
from server.errors import Conflict, ValidationFailed

__all__ = ["start_count", "list_counts", "count_screen", "set_counted", "close_bin", "reopen_bin", "cancel_count",
           "zones_of"]


async def start_count(warehouse_id: int, *, zone: str = "", actor: str) -> int:
    """A new open count of the warehouse (or of one zone of its bins). Returns its id."""
    zone = (zone or "").strip()
    if len(zone) > 16:
        raise ValidationFailed("A zone is at most 16 characters long", field="zone")
    async with write_tx():
        warehouse = await warehouse_row(warehouse_id) if isinstance(warehouse_id, int) else None
        if warehouse is None:
            raise ValidationFailed("Choose a warehouse to count", field="warehouse_id")
        if not warehouse["active"]:
            raise ValidationFailed("Warehouse %(code)s is closed", field="warehouse_id", code=warehouse["code"])
        if zone:
            rows = await Bin.raw("SELECT zone FROM bin WHERE warehouse = {} AND active = {} AND upper(zone) = upper({}) "
                                 "LIMIT 1", warehouse_id, True, zone)
            if not rows:
                raise ValidationFailed("Warehouse %(warehouse)s has no bins in zone %(zone)s", field="zone",
                                       warehouse=warehouse["name"], zone=zone)
            zone = rows[0]["zone"]
        number = await next_count_number()
        count = InventoryCount(number=number, warehouse=warehouse_id, zone=zone, status="open", started_by=actor,
                               started_at=datetime.now(UTC))
        await count.save()
        await record(actor, "count.start", "inventory_count", count.id, {"number": number, "zone": zone})
    return count.id


async def list_counts(*, warehouse_id: int | None = None, status: str = "open", limit: int = 50) -> list[dict]:
    """Newest first: id, number, zone, status, started_by, started_at, warehouse {id, code, name},
    bins_done, bins_open, document (the draft's id, once submitted)."""
    select = InventoryCount.select(InventoryCount.all_columns(), InventoryCount.warehouse.name.as_alias("wh_name"),
                                   InventoryCount.warehouse.code.as_alias("wh_code"))
    if warehouse_id is not None:
        select = select.where(InventoryCount.warehouse == warehouse_id)
    if status:
        select = select.where(InventoryCount.status == status)
    rows = await select.order_by(InventoryCount.id, ascending=False).limit(max(1, min(limit, 200)))
    stats = await _bin_stats([r["id"] for r in rows])
    return [{"id": r["id"], "number": r["number"], "zone": r["zone"], "status": r["status"],
             "started_by": r["started_by"], "started_at": utc(r["started_at"]), "document": r["document"],
             "warehouse": {"id": r["warehouse"], "code": r["wh_code"], "name": r["wh_name"]},
             **stats.get(r["id"], {"bins_done": 0, "bins_open": 0})} for r in rows]


async def _bin_stats(ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    marks = ", ".join("{}" for _ in ids)
    rows = await InventoryCount.raw(f'SELECT inventory, status, COUNT(*) AS n FROM count_bin WHERE inventory IN ({marks}) '
                              'GROUP BY inventory, status', *ids)
    out: dict[int, dict] = {}
    for r in rows:
        entry = out.setdefault(r["inventory"], {"bins_done": 0, "bins_open": 0})
        entry["bins_done" if r["status"] == "done" else "bins_open"] += int(r["n"])
    return out


async def _lines_of(count_bin_ids: list[int]) -> dict[int, list[dict]]:
    if not count_bin_ids:
        return {}
    rows = await CountLine.select().where(CountLine.count_bin.is_in(count_bin_ids)).order_by(CountLine.id)
    names = await variant_names({r["variant"] for r in rows})
    out: dict[int, list[dict]] = {}
    for r in rows:
        info = names.get(r["variant"], {"name": str(r["variant"]), "sku": "", "characteristics": {}})
        out.setdefault(r["count_bin"], []).append({"variant_id": r["variant"], "qty": r["qty"], **info})
    return out


async def count_screen(count_id: int, actor: str) -> dict:
    """What the device shows: the count, this person's current bin with what was counted in it, and every
    bin of the count (done or being counted, with its units). No book quantities, no prices."""
    head = await load_head(count_id)
    row = await InventoryCount.select().where(InventoryCount.id == count_id).first()
    warehouse = await Warehouse.select(Warehouse.id, Warehouse.code, Warehouse.name).where(
        Warehouse.id == head.warehouse_id).first()
    bins = await CountBin.select(CountBin.all_columns(), CountBin.bin.address.as_alias("address"),
                                 CountBin.bin.pick_seq.as_alias("seq")).where(CountBin.inventory == count_id)
    bins.sort(key=lambda b: (b["seq"], b["address"]))
    lines = await _lines_of([b["id"] for b in bins])
    here = await current_bin(count_id, actor) if head.status == "open" else None
    listed = [{"id": b["id"], "address": b["address"], "status": b["status"], "counted_by": b["counted_by"],
               "done_at": utc(b["done_at"]), "lines": len(lines.get(b["id"], [])),
               "units": sum(x["qty"] for x in lines.get(b["id"], []))} for b in bins]
    return {
        "id": head.id, "number": head.number, "zone": head.zone, "status": head.status, "document": head.document_id,
        "warehouse": warehouse, "started_by": row["started_by"], "started_at": utc(row["started_at"]),
        "submitted_by": row["submitted_by"], "submitted_at": utc(row["submitted_at"]),
        "current": {"id": here["id"], "address": here["address"], "lines": lines.get(here["id"], [])} if here else None,
        "bins": listed,
        "bins_done": sum(1 for b in listed if b["status"] == "done"),
        "bins_open": sum(1 for b in listed if b["status"] != "done"),
    }


def _qty(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("The counted quantity must be a whole number", field="qty")
    if value < 0:
        raise ValidationFailed("The counted quantity cannot be negative", field="qty")
    if value > MAX_QTY:
        raise ValidationFailed("The counted quantity must be at most %(max)s", field="qty", max=MAX_QTY)
    return value


async def set_counted(count_id: int, count_bin_id: int, variant_id: int, qty: int, *, actor: str) -> dict:
    """The counted quantity of a variant in a bin being counted, typed in (a box of 200 without 200 scans)."""
    qty = _qty(qty)
    async with write_tx():
        head = await lock_count(count_id)
        refuse_closed(head)
        row = await count_bin_row(count_id, count_bin_id)
        if row["status"] == "done":
            raise Conflict("Bin %(bin)s is already counted. To count it again, tap «Recount» next to it",
                           bin=row["address"])
        names = await variant_names({variant_id}) if isinstance(variant_id, int) else {}
        if variant_id not in names:
            raise ValidationFailed("Unknown product variant %(variant_id)s", field="variant_id", variant_id=variant_id)
        await set_units(count_bin_id, variant_id, qty)
        await record(actor, "count.set_qty", "inventory_count", count_id,
                     {"bin": row["address"], "variant": variant_id, "qty": qty})
    return {"bin": row["address"], "name": names[variant_id]["name"], "qty": qty}


async def close_bin(count_id: int, count_bin_id: int, *, actor: str) -> dict:
    """«Bin counted»: its lines go into the document on submit. A second tap changes nothing (`already`)."""
    async with write_tx():
        head = await lock_count(count_id)
        refuse_closed(head)
        row = await count_bin_row(count_id, count_bin_id)
        if row["status"] == "done":
            return {"bin": row["address"], "already": True}
        await CountBin.update({CountBin.status: "done", CountBin.done_at: datetime.now(UTC),
                               CountBin.counted_by: actor}).where(CountBin.id == count_bin_id)
        units = await InventoryCount.raw("SELECT COALESCE(SUM(qty), 0) AS n FROM count_line WHERE count_bin = {}",
                                    count_bin_id)
        await record(actor, "count.bin_done", "inventory_count", count_id, {"bin": row["address"]})
    return {"bin": row["address"], "already": False, "units": int(units[0]["n"])}


async def reopen_bin(count_id: int, count_bin_id: int, *, actor: str) -> dict:
    """A done bin counted again: its lines start from zero, and it becomes this person's current bin."""
    async with write_tx():
        head = await lock_count(count_id)
        refuse_closed(head)
        row = await count_bin_row(count_id, count_bin_id)
        await CountLine.delete().where(CountLine.count_bin == count_bin_id)
        await CountBin.update({CountBin.status: "counting", CountBin.done_at: None, CountBin.counted_by: actor,
                               CountBin.opened_at: datetime.now(UTC)}).where(CountBin.id == count_bin_id)
        await CountScan.insert(CountScan(
            client_uuid=f"reopen-{uuid.uuid4().hex}", inventory=count_id, count_bin=count_bin_id, bin=row["bin"],
            result="bin", actor=actor, code=row["address"],
            message={"msgid": "Bin %(bin)s is open: scan the goods in it", "params": {"bin": row["address"]}}))
        await record(actor, "count.bin_reopen", "inventory_count", count_id, {"bin": row["address"]})
    return {"bin": row["address"]}


async def cancel_count(count_id: int, *, actor: str) -> None:
    """An open count abandoned: nothing reaches the ledger."""
    async with write_tx():
        head = await lock_count(count_id)
        if head.status == "cancelled":
            return
        refuse_closed(head)
        await InventoryCount.update({InventoryCount.status: "cancelled"}).where(InventoryCount.id == count_id)
        await record(actor, "count.cancel", "inventory_count", count_id, {"number": head.number})



async def zones_of(warehouse_id: int) -> list[str]:
    """The zones of the warehouse's active bins, for the choice of what to count."""
    rows = await Bin.select(Bin.zone).where(Bin.warehouse == warehouse_id).where(Bin.active.eq(True)).distinct()
    return sorted({r["zone"] for r in rows if r["zone"]})
