"""What a scan is checked against: the pick list's lines with their orders, goods and bins. Internal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.db import is_sqlite
from server.domain.catalog.tables import Barcode, Variant
from server.domain.marking.gs1 import gtin_candidates
from server.domain.picking.tables import PickList
from server.errors import NotFound


@dataclass
class ScanLine:
    id: int
    seq: int
    order_id: int
    order_number: str
    order_status: str
    order_line_id: int
    variant_id: int
    product_id: int
    sku: str
    name: str  # "Product, variant"
    bin_id: int | None
    bin_address: str
    qty: int
    picked: int
    short: int
    marking_required: bool
    serial_tracked: bool
    first_scan_at: datetime | None

    @property
    def left(self) -> int:
        return max(self.qty - self.picked - self.short, 0)


@dataclass
class ListContext:
    id: int
    number: str
    status: str
    mode: str
    warehouse_id: int
    started_at: datetime | None
    lines: list[ScanLine]
    bins: dict[str, str] = field(default_factory=dict)  # upper-case address → address
    names: dict[int, str] = field(default_factory=dict)  # variant → name
    product_of: dict[int, int] = field(default_factory=dict)

    @property
    def variants(self) -> set[int]:
        return {x.variant_id for x in self.lines}

    @property
    def complete(self) -> bool:
        live = [x for x in self.lines if x.order_status == "picking"]
        return bool(live) and all(x.left == 0 for x in live)

    async def name_of(self, variant_id: int) -> str:
        row = await Variant.select(Variant.name, Variant.sku, Variant.product.name.as_alias("product")).where(
            Variant.id == variant_id).first()
        if row is None:
            return str(variant_id)
        return display_name(row["product"], row["name"])


def utc(value):
    """SQLite hands timestamps back as text or naive datetimes; they are UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def display_name(product: str, variant: str) -> str:
    return ", ".join(p for p in (product, variant) if p)


_LINES = (
    "SELECT pl.id, pl.seq, pl.\"order\" AS order_id, o.number AS order_number, o.status AS order_status, "
    "pl.order_line, pl.variant, v.product, v.sku, v.name AS variant_name, p.name AS product_name, pl.bin, "
    "b.address, pl.qty, pl.picked, pl.short, p.marking_required, p.serial_tracked, pl.first_scan_at "
    "FROM pick_line pl JOIN sales_order o ON o.id = pl.\"order\" JOIN variant v ON v.id = pl.variant "
    "JOIN product p ON p.id = v.product LEFT JOIN bin b ON b.id = pl.bin WHERE pl.pick_list = {} ORDER BY pl.seq")


async def lock_list(pick_list_id: int) -> None:
    """The pick list row, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    if not await PickList.raw(f"SELECT id FROM pick_list WHERE id = {{}}{lock}", pick_list_id):
        raise NotFound("Pick list %(id)s not found", id=pick_list_id)


async def load_context(pick_list_id: int, *, with_bins: bool = True) -> ListContext:
    """The list and its lines; with_bins: every active bin address of the warehouse too (the device's
    snapshot needs them to recognise a bin offline; a scan looks its one code up with bin_address_of)."""
    head = await PickList.select().where(PickList.id == pick_list_id).first()
    if head is None:
        raise NotFound("Pick list %(id)s not found", id=pick_list_id)
    rows = await PickList.raw(_LINES, pick_list_id)
    lines = [ScanLine(id=r["id"], seq=r["seq"], order_id=r["order_id"], order_number=r["order_number"],
                      order_status=r["order_status"], order_line_id=r["order_line"], variant_id=r["variant"],
                      product_id=r["product"], sku=r["sku"], name=display_name(r["product_name"], r["variant_name"]),
                      bin_id=r["bin"], bin_address=r["address"] or "", qty=r["qty"], picked=r["picked"],
                      short=r["short"], marking_required=bool(r["marking_required"]),
                      serial_tracked=bool(r["serial_tracked"]), first_scan_at=r["first_scan_at"]) for r in rows]
    bin_rows = await PickList.raw("SELECT address FROM bin WHERE warehouse = {} AND active = {}", head["warehouse"],
                                  True) if with_bins else []
    return ListContext(id=head["id"], number=head["number"], status=head["status"], mode=head["mode"],
                       warehouse_id=head["warehouse"], started_at=head["started_at"], lines=lines,
                       bins={r["address"].upper(): r["address"] for r in bin_rows},
                       names={x.variant_id: x.name for x in lines}, product_of={x.variant_id: x.product_id for x in lines})


async def bin_address_of(warehouse_id: int, code: str) -> str | None:
    """The address of the warehouse's active bin this code names (addresses are kept upper-case), or None."""
    wanted = code.strip().upper()
    if not wanted or len(wanted) > 80:
        return None
    rows = await PickList.raw("SELECT address FROM bin WHERE warehouse = {} AND address = {} AND active = {}",
                              warehouse_id, wanted, True)
    return rows[0]["address"] if rows else None


async def variant_by_gtin(gtin: str) -> int | None:
    """The variant whose barcode is this GTIN (as GTIN-14, EAN-13, UPC-A or EAN-8)."""
    row = await Barcode.select(Barcode.variant).where(Barcode.code.is_in(gtin_candidates(gtin))).order_by(
        Barcode.multiplier).first()
    return row["variant"] if row else None


async def product_of(variant_id: int) -> int | None:
    row = await Variant.select(Variant.product).where(Variant.id == variant_id).first()
    return row["product"] if row else None
