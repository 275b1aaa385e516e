"""Checking a document's header and lines before anything is written. Internal.

Every problem is collected and reported at once (a single problem is raised as itself, several as
one ValidationFailed carrying `problems`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.domain.catalog.tables import Variant
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import Bin, Warehouse
from server.errors import DomainError, ValidationFailed

EDITABLE_KINDS = ("receipt", "transfer", "write_off", "inventory")
TEXT_LIMITS = {
    "supplier": (200, "The supplier name must be at most 200 characters long"),
    "reason": (200, "The reason must be at most 200 characters long"),
    "comment": (4000, "The comment must be at most 4000 characters long"),
}


@dataclass
class Context:
    """What the checks loaded, reused by the caller (warehouses by id, SKUs, bins)."""

    warehouse: dict
    dest_warehouse: dict | None
    same_warehouse: bool = False  # a transfer addressed to its own warehouse
    skus: dict[int, str] = field(default_factory=dict)
    bins: dict[int, dict] = field(default_factory=dict)


def raise_all(problems: list[DomainError]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The document has %(count)s errors", problems=problems, count=len(problems))


async def load_warehouses(ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = await Warehouse.select().where(Warehouse.id.is_in(sorted(set(ids))))
    return {r["id"]: r for r in rows}


async def load_skus(variant_ids: list[int]) -> dict[int, str]:
    ids = sorted({v for v in variant_ids if isinstance(v, int)})
    if not ids:
        return {}
    rows = await Variant.select(Variant.id, Variant.sku).where(Variant.id.is_in(ids))
    return {r["id"]: r["sku"] for r in rows}


async def load_bins(bin_ids: list[int]) -> dict[int, dict]:
    ids = sorted({b for b in bin_ids if isinstance(b, int)})
    if not ids:
        return {}
    rows = await Bin.select(Bin.id, Bin.warehouse, Bin.address, Bin.active).where(Bin.id.is_in(ids))
    return {r["id"]: r for r in rows}


def normalise(data: DocumentInput) -> DocumentInput:
    """Trims texts; a transfer whose destination is its own warehouse is a transfer between bins."""
    data.supplier = (data.supplier or "").strip()
    data.reason = (data.reason or "").strip()
    data.comment = (data.comment or "").strip()
    if data.kind == "transfer" and data.dest_warehouse_id == data.warehouse_id:
        data.dest_warehouse_id = None
    if data.kind != "transfer":
        data.dest_warehouse_id = None
    return data


async def check_document(data: DocumentInput, *, kind: str | None = None) -> Context:
    """Validates header and lines; returns what it loaded. `kind` pins the kind of an existing draft."""
    same_warehouse = data.kind == "transfer" and data.dest_warehouse_id == data.warehouse_id
    data = normalise(data)
    problems: list[DomainError] = []
    if data.kind not in EDITABLE_KINDS:
        raise ValidationFailed("Unknown document kind %(kind)s: use receipt, transfer, write_off or inventory",
                               field="kind", kind=data.kind)
    if kind is not None and data.kind != kind:
        raise ValidationFailed("The kind of a document cannot be changed", field="kind")
    warehouses = await load_warehouses([data.warehouse_id, data.dest_warehouse_id or data.warehouse_id])
    warehouse = warehouses.get(data.warehouse_id)
    dest = warehouses.get(data.dest_warehouse_id) if data.dest_warehouse_id else None
    if warehouse is None:
        problems.append(ValidationFailed("Unknown warehouse %(id)s", field="warehouse_id", id=data.warehouse_id))
    elif not warehouse["active"]:
        problems.append(ValidationFailed("Warehouse %(code)s is closed", field="warehouse_id", code=warehouse["code"]))
    if data.dest_warehouse_id and dest is None:
        problems.append(ValidationFailed("Unknown warehouse %(id)s", field="dest_warehouse_id",
                                         id=data.dest_warehouse_id))
    elif dest is not None and not dest["active"]:
        problems.append(ValidationFailed("Warehouse %(code)s is closed", field="dest_warehouse_id", code=dest["code"]))
    if data.kind == "write_off" and not data.reason:
        problems.append(ValidationFailed("A write-off needs a reason", field="reason"))
    for name, (limit, message) in TEXT_LIMITS.items():
        if len(getattr(data, name)) > limit:
            problems.append(ValidationFailed(message, field=name))
    if not data.lines:
        problems.append(ValidationFailed("Add at least one line", field="lines"))
    context = Context(warehouse=warehouse or {}, dest_warehouse=dest, same_warehouse=same_warehouse)
    context.skus = await load_skus([line.variant_id for line in data.lines])
    context.bins = await load_bins([b for line in data.lines for b in (line.bin_id, line.dest_bin_id)])
    seen: set[tuple[int, int | None]] = set()
    for n, line in enumerate(data.lines, start=1):
        problems.extend(_check_line(data, n, line, context, seen))
    raise_all(problems)
    return context


def _check_line(data: DocumentInput, n: int, line: LineInput, ctx: Context,
                seen: set[tuple[int, int | None]]) -> list[DomainError]:
    out: list[DomainError] = []
    field_ = f"lines[{n - 1}]"
    if not isinstance(line.qty, int) or isinstance(line.qty, bool):
        out.append(ValidationFailed("Line %(line)s: the quantity must be a whole number", field=field_, line=n))
    elif data.kind == "inventory" and line.qty < 0:
        out.append(ValidationFailed("Line %(line)s: the counted quantity cannot be negative", field=field_, line=n))
    elif data.kind != "inventory" and line.qty <= 0:
        out.append(ValidationFailed("Line %(line)s: the quantity must be greater than zero", field=field_, line=n))
    sku = ctx.skus.get(line.variant_id)
    if sku is None:
        out.append(ValidationFailed("Line %(line)s: unknown product variant %(variant_id)s", field=field_, line=n,
                                    variant_id=line.variant_id))
    if line.price < 0:
        out.append(ValidationFailed("Line %(line)s: the price cannot be negative", field=field_, line=n))
    elif line.price and data.kind != "receipt":
        out.append(ValidationFailed("Line %(line)s: only receipts have a price; the cost is the moving average",
                                    field=field_, line=n))
    out.extend(_check_bins(data, n, line, ctx))
    if data.kind == "inventory" and sku is not None:
        key = (line.variant_id, line.bin_id)
        mixed = (line.variant_id, None) in seen if line.bin_id else any(k[0] == line.variant_id for k in seen)
        if key in seen or mixed:
            out.append(ValidationFailed("Line %(line)s: %(sku)s is already counted in this document",
                                        field=field_, line=n, sku=sku))
        seen.add(key)
    return out


def _check_bins(data: DocumentInput, n: int, line: LineInput, ctx: Context) -> list[DomainError]:
    out: list[DomainError] = []
    field_ = f"lines[{n - 1}]"
    between_bins = data.kind == "transfer" and not data.dest_warehouse_id
    dest_wh = data.dest_warehouse_id or data.warehouse_id
    for bin_id, owner in ((line.bin_id, data.warehouse_id), (line.dest_bin_id, dest_wh)):
        if bin_id is None:
            continue
        found = ctx.bins.get(bin_id)
        if found is None:
            out.append(ValidationFailed("Line %(line)s: unknown bin %(bin_id)s", field=field_, line=n, bin_id=bin_id))
        elif found["warehouse"] != owner:
            out.append(ValidationFailed("Line %(line)s: bin %(address)s belongs to another warehouse", field=field_,
                                        line=n, address=found["address"]))
        elif not found["active"]:
            out.append(ValidationFailed("Line %(line)s: bin %(address)s is closed", field=field_, line=n,
                                        address=found["address"]))
    if data.kind != "transfer" and line.dest_bin_id is not None:
        out.append(ValidationFailed("Line %(line)s: only transfers have a destination bin", field=field_, line=n))
    if between_bins and line.bin_id is None and line.dest_bin_id is None and ctx.same_warehouse:
        out.append(ValidationFailed("Line %(line)s: the goods would stay in the same place", field=field_,
                                    line=n))
    elif between_bins:
        if line.bin_id is None:
            out.append(ValidationFailed("Line %(line)s: choose the bin to take the goods from", field=field_, line=n))
        if line.dest_bin_id is None:
            out.append(ValidationFailed("Line %(line)s: choose the destination warehouse or bin", field=field_,
                                        line=n))
        elif line.bin_id == line.dest_bin_id:
            out.append(ValidationFailed("Line %(line)s: the goods would stay in the same place", field=field_,
                                        line=n))
    return out
