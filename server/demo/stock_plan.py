"""The demo's warehouses, bins and stock history, planned in memory before anything is written.

Pure: `plan_documents` walks the history (receipts from named suppliers, transfers to the shop on
Pokrovka, two write-offs, one inventory count) against a small in-memory ledger, so every transfer
and write-off takes only what is there, and the loader just posts the planned documents in order.
Seeded: the same history on every run.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from server.demo.catalog import Built

SEED = 60
MAIN, SHOP = "MAIN", "SHOP"
WAREHOUSES = [
    (MAIN, "Основной склад", "Москва, Складочная ул., 1, стр. 4"),
    (SHOP, "Магазин на Покровке", "Москва, ул. Покровка, 17"),
]
# Main warehouse: zone → racks; every rack has shelves 01–03 with cells 01–04 (A-01-02-03).
MAIN_ZONES = {"A": 4, "B": 2, "C": 2, "D": 1}
SHELVES, CELLS = 3, 4
ZONE_OF = {"Кофе": "A", "Чай": "B", "Аксессуары": "C", "Мерч": "C", "Сиропы": "D", "Сладости": "D"}
# The shop: shop-window racks (V), the counter by the till (K), the back room (P).
SHOP_BINS = [("V", "01"), ("V", "02"), ("V", "03"), ("V", "04"), ("K", "01"), ("P", "01"), ("P", "02")]
SHOP_BIN_OF = {"Кофе": "V-01", "Чай": "V-02", "Аксессуары": "V-03", "Мерч": "V-04", "Сиропы": "K-01",
               "Сладости": "K-01"}

ROASTER = "ООО «Зерно и Пламя»"
DRIP_LAB = "ООО «Дрип Лаб»"
TEA_LINE = "ООО «Чайная линия»"
GEAR = "ООО «Бариста Эквипмент»"
PRINT = "ООО «Принт Мастер»"
SWEET_HOUSE = "ООО «Сладкий дом»"
BAKERY = "ИП Лебедева Н. А. (кондитерская)"


@dataclass
class BinSpec:
    warehouse: str
    zone: str
    rack: str
    shelf: str = ""
    cell: str = ""
    pick_seq: int = 0

    @property
    def address(self) -> str:
        return "-".join(p for p in (self.zone, self.rack, self.shelf, self.cell) if p)


@dataclass
class PlannedLine:
    sku: str
    qty: int
    bin: str | None = None  # address in the document's warehouse
    dest_bin: str | None = None  # address in the destination warehouse
    price: int = 0


@dataclass
class PlannedDocument:
    kind: str
    warehouse: str
    lines: list[PlannedLine] = field(default_factory=list)
    dest_warehouse: str | None = None
    supplier: str = ""
    reason: str = ""
    comment: str = ""


def main_bins() -> list[BinSpec]:
    """Walked zone by zone in a snake: along odd racks cells ascend, along even racks they descend;
    at each cell the picker takes shelves bottom (01) to top."""
    bins, seq = [], 0
    for zone, racks in MAIN_ZONES.items():
        for rack in range(1, racks + 1):
            cells = range(1, CELLS + 1) if rack % 2 else range(CELLS, 0, -1)
            for cell in cells:
                for shelf in range(1, SHELVES + 1):
                    seq += 10
                    bins.append(BinSpec(MAIN, zone, f"{rack:02d}", f"{shelf:02d}", f"{cell:02d}", seq))
    return bins


def shop_bins() -> list[BinSpec]:
    return [BinSpec(SHOP, zone, rack, pick_seq=10 * n) for n, (zone, rack) in enumerate(SHOP_BINS, start=1)]


@dataclass
class Sku:
    """What the plan needs to know about a variant."""

    sku: str
    top: str  # top category
    sub: str
    supplier: str
    purchase: int
    popular: bool
    values: tuple[str, ...]
    home: str = ""  # bin address in MAIN
    package: int = 1  # received in multiples of this


def _supplier(b: Built) -> str:
    item = b.item
    if item.category[0] == "Кофе":
        return DRIP_LAB if item.category[1] in ("Дрип-пакеты", "Капсулы") else ROASTER
    if item.in_store:
        return BAKERY
    return {"Чай": TEA_LINE, "Аксессуары": GEAR, "Мерч": PRINT}.get(item.category[0], SWEET_HOUSE)


def skus_of(built: list[Built]) -> list[Sku]:
    """Every variant with its home bin: one cell per product, the zone's cells taken in pick order."""
    cells: dict[str, list[str]] = defaultdict(list)
    for spec in main_bins():
        cells[spec.zone].append(spec.address)
    used: dict[str, int] = defaultdict(int)
    out = []
    for b in built:
        zone = ZONE_OF[b.item.category[0]]
        home = cells[zone][used[zone] % len(cells[zone])]
        used[zone] += 1
        for v in b.product.variants:
            values = tuple(v.characteristics.values())
            package = b.item.package[0] if b.item.package and (b.item.package[1] in (None, *values)) else 1
            out.append(Sku(v.sku, b.item.category[0], b.item.category[-1], _supplier(b), v.prices["purchase"],
                           b.item.popular, values, home, package))
    return out


def _base_qty(s: Sku, rng: random.Random) -> int:
    """A first delivery of a variant, by what it is."""
    values = set(s.values)
    if s.sub == "Дрип-пакеты":
        return 10 * rng.randint(5, 15)
    if s.sub == "Капсулы":
        return rng.randint(5, 15) if "50 шт" in values else rng.randint(20, 60)
    if s.top == "Кофе":
        return rng.randint(3, 10) if "1 кг" in values else rng.randint(6, 16) if "500 г" in values else rng.randint(
            12, 40)
    if s.top == "Чай":
        return rng.randint(3, 8) if "357 г" in values or "250 г" in values else rng.randint(8, 30)
    if s.top == "Мерч":
        return rng.randint(2, 5) if "XL" in values else rng.randint(3, 6) if "S" in values else rng.randint(5, 12)
    if s.top == "Аксессуары":
        return rng.randint(10, 30) if s.sub == "Кружки" or "100 шт" in values else rng.randint(3, 12)
    if s.package > 1:
        return s.package * rng.randint(1, 3)
    return rng.randint(10, 40)


class _Ledger:
    """What the planned documents leave on hand, per (sku, warehouse, bin)."""

    def __init__(self) -> None:
        self.qty: dict[tuple[str, str, str], int] = defaultdict(int)

    def add(self, sku: str, warehouse: str, address: str, qty: int) -> None:
        self.qty[(sku, warehouse, address)] += qty

    def at(self, sku: str, warehouse: str, address: str) -> int:
        return self.qty.get((sku, warehouse, address), 0)


@dataclass
class _Planner:
    skus: list[Sku]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    ledger: _Ledger = field(default_factory=_Ledger)
    documents: list[PlannedDocument] = field(default_factory=list)
    invoice: int = 1040

    def receipt(self, supplier: str, picks: list[tuple[Sku, int]]) -> None:
        lines = []
        for s, qty in picks:
            if qty <= 0:
                continue
            price = round(s.purchase * self.rng.uniform(0.97, 1.04))
            lines.append(PlannedLine(s.sku, qty, bin=s.home, price=price))
            self.ledger.add(s.sku, MAIN, s.home, qty)
        if lines:
            self.invoice += self.rng.randint(3, 40)
            self.documents.append(PlannedDocument("receipt", MAIN, lines, supplier=supplier,
                                                  comment=f"Накладная № {self.invoice}"))

    def transfer(self, picks: list[tuple[Sku, int]], comment: str) -> None:
        lines = []
        for s, qty in picks:
            qty = min(qty, self.ledger.at(s.sku, MAIN, s.home))
            if qty <= 0:
                continue
            dest = "P-01" if "1 кг" in s.values or "50 шт" in s.values else SHOP_BIN_OF[s.top]
            lines.append(PlannedLine(s.sku, qty, bin=s.home, dest_bin=dest))
            self.ledger.add(s.sku, MAIN, s.home, -qty)
            self.ledger.add(s.sku, SHOP, dest, qty)
        if lines:
            self.documents.append(PlannedDocument("transfer", MAIN, lines, dest_warehouse=SHOP, comment=comment))

    def write_off(self, warehouse: str, picks: list[tuple[Sku, str, int]], reason: str) -> None:
        lines = []
        for s, address, qty in picks:
            qty = min(qty, self.ledger.at(s.sku, warehouse, address))
            if qty > 0:
                lines.append(PlannedLine(s.sku, qty, bin=address))
                self.ledger.add(s.sku, warehouse, address, -qty)
        if lines:
            self.documents.append(PlannedDocument("write_off", warehouse, lines, reason=reason))

    def inventory(self, picks: list[Sku], differences: dict[str, int], comment: str) -> None:
        lines = []
        for s in picks:
            book = self.ledger.at(s.sku, MAIN, s.home)
            counted = max(book + differences.get(s.sku, 0), 0)
            lines.append(PlannedLine(s.sku, counted, bin=s.home))
            self.ledger.add(s.sku, MAIN, s.home, counted - book)
        if lines:
            self.documents.append(PlannedDocument("inventory", MAIN, lines, comment=comment))


def _by_supplier(skus: list[Sku], supplier: str) -> list[Sku]:
    return [s for s in skus if s.supplier == supplier]


def plan_documents(skus: list[Sku]) -> list[PlannedDocument]:
    """The history, oldest first."""
    p = _Planner(skus)
    rng = p.rng
    quiet = [s for s in skus if not s.popular]
    never = {s.sku for s in rng.sample(quiet, 12)}  # announced, never delivered: out of stock
    low = {s.sku for s in rng.sample([s for s in quiet if s.sku not in never], 16)}  # one or two left

    def first_delivery(s: Sku) -> int:
        if s.sku in never:
            return 0
        if s.sku in low:
            return s.package * rng.randint(1, 2)
        qty = _base_qty(s, rng)
        return qty - qty % s.package if s.package > 1 else qty

    for supplier in (ROASTER, TEA_LINE, DRIP_LAB, GEAR, PRINT, SWEET_HOUSE, BAKERY):
        p.receipt(supplier, [(s, first_delivery(s)) for s in _by_supplier(skus, supplier)])
    popular = [s for s in skus if s.popular and s.sku not in low]
    p.transfer([(s, s.package * rng.randint(1, 2) if s.package > 1 else rng.randint(2, 6)) for s in popular],
               "Выкладка в магазин на Покровке")
    restock = [s for s in _by_supplier(skus, ROASTER) if s.popular and "250 г" in s.values]
    p.receipt(ROASTER, [(s, rng.randint(10, 30)) for s in restock])
    damaged = [s for s in skus if s.top in ("Кофе", "Аксессуары") and s.sku not in never | low][::37][:4]
    p.write_off(MAIN, [(s, s.home, rng.randint(1, 2)) for s in damaged], "Повреждена упаковка")
    p.transfer([(s, rng.randint(2, 5)) for s in restock + [s for s in popular if s.top == "Чай"]],
               "Пополнение витрины")
    p.receipt(TEA_LINE, [(s, rng.randint(8, 20)) for s in _by_supplier(skus, TEA_LINE) if s.popular])
    p.receipt(BAKERY, [(s, rng.randint(15, 30)) for s in _by_supplier(skus, BAKERY)])
    p.transfer([(s, rng.randint(4, 10)) for s in skus if s.top in ("Сиропы", "Сладости") and s.popular],
               "Сладости и сиропы к выходным")
    stale = [s for s in _by_supplier(skus, BAKERY)][:2]
    p.write_off(SHOP, [(s, SHOP_BIN_OF[s.top], 3) for s in stale], "Истёк срок годности")
    tea = [s for s in skus if s.top == "Чай" and s.sku not in never]
    counted = {tea[3].sku: -1, tea[10].sku: 1, tea[17].sku: -2}
    p.inventory(tea, counted, "Пересчёт чая, зона B")
    p.receipt(ROASTER, [(s, rng.randint(6, 20)) for s in restock[::2]])
    p.receipt(PRINT, [(s, rng.randint(3, 8)) for s in _by_supplier(skus, PRINT) if "M" in s.values])
    return p.documents
