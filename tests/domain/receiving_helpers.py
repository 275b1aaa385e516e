"""A small floor for the receiving tests: bins in walking order, coffee with a unit and a six-pack barcode,
a second coffee and a tea, some stock already in a bin, and an expected receipt (a draft) from a supplier."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from catalog_helpers import ean13
from stock_helpers import receive

from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.receiving.scans import ReceiveScan, record_scan
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.warehouses import create_bin, create_warehouse

UNIT = ean13("460555000001")  # KEN-250, one unit
PACK = ean13("460555000002")  # KEN-250, a six-pack
BIG = ean13("460555000003")  # KEN-1000
TEA = ean13("460555000004")  # TEA-100: not in the expected receipt


@dataclass
class Dock:
    wh: int
    bins: dict[str, int]
    sku: dict[str, int] = field(default_factory=dict)
    receipt: int = 0


async def dock(*, expected: bool = True) -> Dock:
    wh = await create_warehouse("MAIN", "Основной склад")
    bins = {f"{z}-01": await create_bin(wh, z, "01", pick_seq=seq) for z, seq in (("C", 30), ("A", 10), ("B", 20))}
    made = Dock(wh=wh, bins=bins)
    coffee = await create_product(ProductInput(name="Кения АА", variants=[
        VariantInput(sku="KEN-250", characteristics={"Вес": "250 г"},
                     barcodes=[BarcodeInput(UNIT), BarcodeInput(PACK, multiplier=6)]),
        VariantInput(sku="KEN-1000", characteristics={"Вес": "1 кг"}, barcodes=[BarcodeInput(BIG)])]))
    tea = await create_product(ProductInput(name="Сенча", variants=[
        VariantInput(sku="TEA-100", characteristics={"Вес": "100 г"}, barcodes=[BarcodeInput(TEA)])]))
    for product in (coffee, tea):
        for v in product.variants:
            made.sku[v.sku] = v.id
    await receive(wh, (made.sku["KEN-250"], 5, 40000, bins["B-01"]))  # KEN-250 already lies in B-01
    if expected:
        made.receipt = await create_document(DocumentInput(kind="receipt", warehouse_id=wh, supplier="ООО Зерно", lines=[
            LineInput(made.sku["KEN-250"], 10, price=41000), LineInput(made.sku["KEN-1000"], 2, price=150000)]))
    return made


async def scan(receipt: int, code: str, *, uid: str | None = None, bin_code: str = "", qty: int = 1,
               actor: str = "picker"):
    return await record_scan(receipt, ReceiveScan(code=code, client_uuid=uid or uuid.uuid4().hex, bin_code=bin_code,
                                                  qty=qty), actor=actor)
