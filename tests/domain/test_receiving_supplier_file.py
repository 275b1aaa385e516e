"""A supplier's CSV file becomes a draft receipt: each delimiter, a BOM, Windows-1251, comma decimals,
Russian and English headers, barcodes before SKUs, repeated goods summed; every bad row reported at once
and nothing created."""

from __future__ import annotations

import pytest
from receiving_helpers import BIG, PACK, UNIT, dock

from server.domain.receiving.supplier_file import import_supplier_file, parse_price, read_supplier_file
from server.domain.stock.tables import StockDocument, StockDocumentLine
from server.errors import ValidationFailed


async def _draft(document_id: int) -> tuple[dict, list[tuple[int, int, int]]]:
    doc = await StockDocument.select().where(StockDocument.id == document_id).first()
    lines = await StockDocumentLine.select().where(StockDocumentLine.document == document_id).order_by(
        StockDocumentLine.position)
    return doc, [(r["variant"], r["qty"], r["price"]) for r in lines]


@pytest.mark.parametrize("sep", [";", ",", "\t"])
async def test_each_delimiter_is_found(sep):
    d = await dock(expected=False)
    price = '"410,50"' if sep == "," else "410,50"
    text = f"Артикул{sep}Наименование{sep}Количество{sep}Цена\nKEN-250{sep}Кения{sep}10{sep}{price}\n"
    parsed = await read_supplier_file(text.encode("utf-8"))
    assert parsed.delimiter == sep
    assert [(r.variant_id, r.qty, r.amount) for r in parsed.rows] == [(d.sku["KEN-250"], 10, 410500)]


async def test_a_bom_file_with_english_headers_and_dot_decimals_becomes_a_draft():
    d = await dock(expected=False)
    text = f"SKU,Barcode,Name,Qty,Price\n,{BIG},Kenya 1kg,2,1500.00\nken-250,,Kenya,3,410.5\n"
    doc_id = await import_supplier_file(b"\xef\xbb\xbf" + text.encode("utf-8"), warehouse_id=d.wh,
                                        supplier="ООО Зерно", filename="zerno.csv", actor="manager")
    doc, lines = await _draft(doc_id)
    assert (doc["kind"], doc["status"], doc["supplier"], doc["comment"]) == ("receipt", "draft", "ООО Зерно",
                                                                             "zerno.csv")
    assert lines == [(d.sku["KEN-1000"], 2, 150000), (d.sku["KEN-250"], 3, 41050)]


async def test_cp1251_bytes_and_repeated_goods_are_summed_barcode_first():
    d = await dock(expected=False)
    text = (f"Штрихкод;Артикул;Кол-во;Цена\n{UNIT};KEN-1000;4;400\n;KEN-250;6;430\n"
            f"{PACK};;1;2400\n")  # the barcode wins over the SKU; a six-pack is six units
    doc_id = await import_supplier_file(text.encode("cp1251"), warehouse_id=d.wh, supplier="Поставщик",
                                        actor="manager")
    _doc, lines = await _draft(doc_id)
    # KEN-250: 4 × 400 + 6 × 430 + 1 × 2400 = 6580 roubles for 16 units = 411,25 a unit
    assert lines == [(d.sku["KEN-250"], 16, 41125)]


async def test_every_bad_row_is_reported_with_its_number_and_nothing_is_created():
    d = await dock(expected=False)
    before = await StockDocument.count()
    text = ("Штрихкод;Артикул;Количество;Цена\n"
            f"{UNIT};;2;100\n"
            "4600000000000;;1;10\n"  # row 3: unknown barcode
            ";NOPE-1;1;10\n"  # row 4: unknown SKU
            ";KEN-250;-1;10\n"  # row 5: negative quantity
            ";KEN-250;1,5;10\n"  # row 6: not whole
            ";KEN-250;1;abc\n"  # row 7: not a price
            ";;1;10\n")  # row 8: neither
    with pytest.raises(ValidationFailed) as caught:
        await import_supplier_file(text.encode("utf-8"), warehouse_id=d.wh, supplier="X", actor="manager")
    found = [(p.params.get("row"), p.message) for p in caught.value.problems]
    assert [row for row, _m in found] == [3, 4, 5, 6, 7, 8]
    assert found[0] == (3, "Row %(row)s: barcode %(code)s not found")
    assert caught.value.problems[0].params["code"] == "4600000000000"
    assert await StockDocument.count() == before


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02PK\x03\x04" * 20, b"Name;Price\nx;1\n",
                                  b"SKU;Qty\n", b"x" * (2 * 1024 * 1024 + 1)])
async def test_empty_binary_headerless_and_huge_files_are_refused(data):
    d = await dock(expected=False)
    with pytest.raises(ValidationFailed):
        await import_supplier_file(data, warehouse_id=d.wh, supplier="X", actor="manager")
    assert await StockDocument.count() == 1  # only the dock's earlier receipt


async def test_the_supplier_and_the_warehouse_are_required():
    d = await dock(expected=False)
    data = b"SKU;Qty\nKEN-250;1\n"
    with pytest.raises(ValidationFailed):
        await import_supplier_file(data, warehouse_id=d.wh, supplier=" ", actor="manager")
    with pytest.raises(ValidationFailed):
        await import_supplier_file(data, warehouse_id=987654, supplier="X", actor="manager")


def test_prices_in_roubles_become_kopecks():
    assert parse_price("1 234,50") == 123450 and parse_price("99.9") == 9990 and parse_price("") == 0
    assert parse_price("120 ₽") == 12000 and parse_price("1,005") is None and parse_price("-1") is None
