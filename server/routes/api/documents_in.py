"""API document input: the request body and its translation to the stock service's DocumentInput.

Lines name goods by `sku` or `barcode` and places by warehouse code and bin address; here they become
ids through the catalog and stock read services. Every line that cannot be resolved is reported at
once (a 422 problem whose `errors` carry each line's index); nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta

from server.domain.catalog.barcodes import find_by_barcode, find_by_sku
from server.domain.catalog.dto import ScannedVariant
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.warehouses import list_bins, list_warehouses
from server.errors import DomainError, ValidationFailed
from server.routes.api.common import MAX_KOPECKS, MAX_QTY, Id, parse_money

Code = Annotated[str, Meta(min_length=1, max_length=64)]
WarehouseRef = Annotated[str, Meta(min_length=1, max_length=32)] | Id
BinRef = Annotated[str, Meta(min_length=1, max_length=80)] | Id
Kopecks = Annotated[int, Meta(ge=0, lt=MAX_KOPECKS)]
Qty = Annotated[int, Meta(ge=-MAX_QTY, le=MAX_QTY)]

KINDS = {"receipts": "receipt", "transfers": "transfer", "write-offs": "write_off", "inventories": "inventory"}


class LineIn(msgspec.Struct, forbid_unknown_fields=True):
    """One line: the goods by `sku` or `barcode` (a package barcode multiplies `qty`), the quantity
    (inventories: the counted quantity), the bin by address (receipts: where the goods go;
    transfers and write-offs: where they are taken from), `dest_bin` for transfers, and for receipts
    the unit cost as `price` in roubles ("123.45" or 123.45) or `price_kopecks` (12345)."""

    qty: Annotated[Qty, Meta(description="Units, at least 1 (inventories: the counted units, 0 or more); "
                                         "for a package barcode: packages", examples=[10])]
    sku: Annotated[Code | None, Meta(examples=["KEN-AA-250-Z"])] = None
    barcode: Annotated[Code | None, Meta(examples=["4600000000013"])] = None
    bin: Annotated[BinRef | None, Meta(description="Bin address (e.g. A-01-02-03) or id")] = None
    dest_bin: Annotated[BinRef | None, Meta(description="Transfers: destination bin address or id")] = None
    price: Annotated[Decimal | None, Meta(description="Receipts: cost of one unit (also for a package "
                                                      "barcode) in roubles, at most 2 decimals",
                                          examples=["123.45"])] = None
    price_kopecks: Annotated[Kopecks | None, Meta(description="Receipts: cost of one unit in kopecks")] = None


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A stock document. `warehouse` is a warehouse code or id; `dest_warehouse` (transfers) the
    destination warehouse — leave it out to move goods between bins of one warehouse.
    `post: true` posts the document at once (all or nothing)."""

    warehouse: Annotated[WarehouseRef, Meta(examples=["MAIN"])]
    lines: Annotated[list[LineIn], Meta(min_length=1, max_length=5000)]
    dest_warehouse: WarehouseRef | None = None
    supplier: Annotated[str, Meta(max_length=200, examples=["ООО «Кофейный двор»"])] = ""
    reason: Annotated[str, Meta(max_length=200, description="Write-offs: why (required)")] = ""
    comment: Annotated[str, Meta(max_length=4000)] = ""
    post: bool = False


def _line_error(index: int, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, field=f"lines[{index}]", line=index + 1, **params)


def _find_warehouse(ref: str | int, warehouses: list[dict]) -> dict | None:
    for row in warehouses:
        if (isinstance(ref, int) and row["id"] == ref) or (
                isinstance(ref, str) and row["code"].casefold() == ref.strip().casefold()):
            return row
    return None


async def _goods(index: int, line: LineIn, problems: list[DomainError]) -> tuple[int | None, int, str | None]:
    """(variant id, units per scan, SKU) of a line, or (None, 1, None) with a problem appended."""
    if (line.sku is None) == (line.barcode is None):
        problems.append(_line_error(index, "Line %(line)s: give either sku or barcode"))
        return None, 1, None
    if line.barcode is not None:
        found: ScannedVariant | None = await find_by_barcode(line.barcode)
        if found is None:
            problems.append(_line_error(index, "Line %(line)s: unknown barcode %(barcode)s",
                                        barcode=line.barcode.strip()))
            return None, 1, None
        return found.variant_id, max(1, found.multiplier), found.sku
    sku = (line.sku or "").strip()
    found = await find_by_sku(sku)
    if found is None:
        problems.append(_line_error(index, "Line %(line)s: unknown SKU %(sku)s", sku=sku))
        return None, 1, None
    return found.variant_id, 1, found.sku


class _Bins:
    """Bin addresses per warehouse, loaded once each."""

    def __init__(self) -> None:
        self._cache: dict[int, dict[str, int]] = {}

    async def find(self, warehouse_id: int, ref: str | int) -> int | None:
        if isinstance(ref, int):
            return ref  # an id: the stock service checks it belongs to the warehouse
        if warehouse_id not in self._cache:
            self._cache[warehouse_id] = {b["address"].casefold(): b["id"] for b in await list_bins(warehouse_id)}
        return self._cache[warehouse_id].get(ref.strip().casefold())


def _price(index: int, line: LineIn, problems: list[DomainError]) -> int:
    if line.price is not None and line.price_kopecks is not None:
        problems.append(_line_error(index, "Line %(line)s: give either price or price_kopecks, not both"))
        return 0
    if line.price is None:
        return line.price_kopecks or 0
    kopecks = parse_money(line.price)
    if kopecks is None:
        problems.append(_line_error(index, "Line %(line)s: the price must be in roubles with at most two "
                                           "decimals, e.g. 123.45", price=str(line.price)))
        return 0
    return kopecks


@dataclass
class Resolved:
    """The stock service's input, and the SKU of every line (to point shortages back at lines)."""

    document: DocumentInput
    skus: list[str | None]


def _qty(index: int, kind: str, line: LineIn, per_scan: int, problems: list[DomainError]) -> int:
    """The units of a line; reports a quantity the stock service would refuse, so that it is listed
    together with the references that could not be resolved."""
    qty = line.qty * per_scan
    if kind == "inventory" and qty < 0:
        problems.append(_line_error(index, "Line %(line)s: the counted quantity cannot be negative"))
    elif kind != "inventory" and qty <= 0:
        problems.append(_line_error(index, "Line %(line)s: the quantity must be greater than zero"))
    elif qty > MAX_QTY:
        problems.append(_line_error(index, "Line %(line)s: the quantity is too large"))
    return qty


async def to_document_input(kind: str, body: DocumentIn) -> Resolved:
    """Resolves every reference; raises one ValidationFailed listing every bad line."""
    problems: list[DomainError] = []
    warehouses = await list_warehouses()
    warehouse = _find_warehouse(body.warehouse, warehouses)
    if warehouse is None:
        problems.append(ValidationFailed("Unknown warehouse %(warehouse)s", field="warehouse",
                                         warehouse=str(body.warehouse)))
    dest = None
    if body.dest_warehouse is not None and kind != "transfer":
        problems.append(ValidationFailed("Only transfers have a destination warehouse", field="dest_warehouse"))
    elif body.dest_warehouse is not None:
        dest = _find_warehouse(body.dest_warehouse, warehouses)
        if dest is None:
            problems.append(ValidationFailed("Unknown warehouse %(warehouse)s", field="dest_warehouse",
                                             warehouse=str(body.dest_warehouse)))
    bins = _Bins()
    lines: list[LineInput] = []
    skus: list[str | None] = []
    for index, line in enumerate(body.lines):
        variant_id, per_scan, sku = await _goods(index, line, problems)
        bin_id = dest_bin_id = None
        if warehouse is not None and line.bin is not None:
            bin_id = await bins.find(warehouse["id"], line.bin)
            if bin_id is None:
                problems.append(_line_error(index, "Line %(line)s: no bin %(bin)s in warehouse %(warehouse)s",
                                            bin=str(line.bin), warehouse=warehouse["code"]))
        target = dest or warehouse
        if target is not None and line.dest_bin is not None:
            dest_bin_id = await bins.find(target["id"], line.dest_bin)
            if dest_bin_id is None:
                problems.append(_line_error(index, "Line %(line)s: no bin %(bin)s in warehouse %(warehouse)s",
                                            bin=str(line.dest_bin), warehouse=target["code"]))
        qty = _qty(index, kind, line, per_scan, problems)
        price = _price(index, line, problems)
        if price and qty > 0 and price * qty >= MAX_KOPECKS:
            problems.append(_line_error(index, "Line %(line)s: the line total is too large"))
        lines.append(LineInput(variant_id=variant_id or 0, qty=qty, bin_id=bin_id, dest_bin_id=dest_bin_id,
                               price=price))
        skus.append(sku)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The document has %(count)s errors", problems=problems, count=len(problems))
    document = DocumentInput(kind=kind, warehouse_id=warehouse["id"] if warehouse else 0, lines=lines,
                             dest_warehouse_id=dest["id"] if dest else None, supplier=body.supplier,
                             reason=body.reason, comment=body.comment)
    return Resolved(document=document, skus=skus)
