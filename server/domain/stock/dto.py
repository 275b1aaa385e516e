"""Inputs and outputs of the stock services (plain dataclasses, no web imports)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LineInput:
    variant_id: int
    qty: int  # > 0; inventory: the counted quantity (>= 0)
    bin_id: int | None = None  # receipt: destination bin; transfer/write-off: source bin
    dest_bin_id: int | None = None  # transfer: destination bin
    price: int = 0  # receipt: unit cost in kopecks


@dataclass
class DocumentInput:
    kind: str  # receipt | transfer | write_off | inventory
    warehouse_id: int
    lines: list[LineInput] = field(default_factory=list)
    dest_warehouse_id: int | None = None  # transfer between warehouses (None: between bins)
    supplier: str = ""
    reason: str = ""  # write-off: required
    comment: str = ""


@dataclass(frozen=True)
class StockLevel:
    variant_id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    on_hand: int
    reserved: int
    available: int
    value: int  # kopecks


@dataclass(frozen=True)
class ReserveRequest:
    variant_id: int
    qty: int


@dataclass(frozen=True)
class ReserveResult:
    variant_id: int
    requested: int
    reserved: int  # may be less than requested when partial=True (the rest is a shortage)


@dataclass
class RebuildReport:
    balances_checked: int
    differences: list[str] = field(default_factory=list)
