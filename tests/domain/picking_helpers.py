"""A small warehouse floor for the picking tests: bins in walking order, goods of every kind (plain with a
package barcode, two variants of one product, marked with the fixtures' GTIN, serial-tracked), stock in
the bins, and confirmed orders."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from catalog_helpers import ean13
from stock_helpers import receive

from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake
from server.domain.orders.intake import intake_order
from server.domain.orders.status import change_status
from server.domain.picking.scanning import ScanInput, record_scan
from server.domain.stock.warehouses import create_bin, create_warehouse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "marking" / "synthetic_codes.json"
MARKING = json.loads(FIXTURES.read_text(encoding="utf-8"))
MARKED_GTIN = MARKING["gtins"][0]  # the first fixture code's GTIN: 04600123456782
SHOE_CODE = MARKING["codes"][0]["raw"]  # a full code of that GTIN, 13-character serial


def marked_code(serial: str) -> str:
    """Another unit of the marked goods: the fixture code with its serial replaced (13 characters)."""
    assert len(serial) == 13
    return f"01{MARKED_GTIN}21{serial}" + SHOE_CODE[31:]


@dataclass
class Floor:
    wh: int
    bins: dict[str, int]
    sku: dict[str, int] = field(default_factory=dict)  # SKU → variant id
    codes: dict[str, str] = field(default_factory=dict)  # SKU → its unit barcode
    pack: str = ""  # the package barcode (6 units) of KEN-250


async def floor() -> Floor:
    wh = await create_warehouse("MAIN", "Основной склад")
    bins = {}
    for address in ("C", "A", "B"):  # created out of order: the walk is pick_seq
        bins[address] = await create_bin(wh, address, "01", pick_seq={"A": 10, "B": 20, "C": 30}[address])
    made = Floor(wh=wh, bins={f"{k}-01": v for k, v in bins.items()})
    coffee = await create_product(ProductInput(name="Кения АА", variants=[
        VariantInput(sku="KEN-250", characteristics={"Помол": "зерно"},
                     barcodes=[BarcodeInput(ean13("460123400001")), BarcodeInput(ean13("460123400002"), multiplier=6)],
                     prices={"retail": 89000}),
        VariantInput(sku="KEN-250-M", characteristics={"Помол": "молотый"},
                     barcodes=[BarcodeInput(ean13("460123400003"))], prices={"retail": 89000})]))
    tee = await create_product(ProductInput(name="Футболка «Зерно»", marking_required=True, variants=[
        VariantInput(sku="TS-M", characteristics={"Размер": "M"}, barcodes=[BarcodeInput(MARKED_GTIN[1:])],
                     prices={"retail": 150000})]))
    grinder = await create_product(ProductInput(name="Кофемолка ручная", serial_tracked=True, variants=[
        VariantInput(sku="GR-1", barcodes=[BarcodeInput(ean13("460123400009"))], prices={"retail": 450000})]))
    for product in (coffee, tee, grinder):
        for v in product.variants:
            made.sku[v.sku] = v.id
    made.codes = {"KEN-250": ean13("460123400001"), "KEN-250-M": ean13("460123400003"), "TS-M": MARKED_GTIN[1:],
                  "GR-1": ean13("460123400009")}
    made.pack = ean13("460123400002")
    # KEN-250: 3 in B-01 and 20 in A-01 (walk A first); the others in C-01
    await receive(wh, (made.sku["KEN-250"], 3, 40000, made.bins["B-01"]), (made.sku["KEN-250"], 20, 40000,
                                                                           made.bins["A-01"]),
                  (made.sku["KEN-250-M"], 10, 40000, made.bins["C-01"]), (made.sku["TS-M"], 10, 60000,
                                                                          made.bins["C-01"]),
                  (made.sku["GR-1"], 5, 200000, made.bins["C-01"]))
    return made


async def confirmed_order(*lines: tuple[str, int], name: str = "Анна Петрова") -> int:
    result = await intake_order(OrderIntake(channel="api", lines=[IntakeLine(sku=s, qty=q, price=100000) for s, q in lines],
                                            customer=CustomerInput(name=name, email=f"{uuid.uuid4().hex[:8]}@example.ru")))
    await change_status(result.order_id, "confirmed", actor="manager")
    return result.order_id


async def scan(pick_list_id: int, code: str, *, uid: str | None = None, actor: str = "picker", **extra):
    return await record_scan(pick_list_id, ScanInput(code=code, client_uuid=uid or uuid.uuid4().hex, **extra),
                             actor=actor)
