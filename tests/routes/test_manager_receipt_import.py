"""The manager's upload of a supplier's file: the form is reachable from the documents page, a good file
opens the new draft receipt, a bad one re-renders the form with every problem and creates nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # receiving_helpers' own imports
from receiving_helpers import BIG, dock  # noqa: E402

from server.domain.stock.tables import StockDocument, StockDocumentLine  # noqa: E402
from tests.routes.manager_helpers import form, sign_in, texts  # noqa: E402


async def upload(client, data: bytes | None, *, warehouse: int, supplier: str = "ООО Зерно", name: str = "f.csv"):
    files = {"file": (name, data, "text/csv")} if data is not None else None
    return await client.post("/manager/documents/import", data=form(client, warehouse_id=str(warehouse),
                                                                    supplier=supplier),
                             files=files, follow_redirects=False)


async def test_the_form_is_linked_from_the_documents_and_a_good_file_opens_the_draft(client):
    d = await dock(expected=False)
    await sign_in(client, "manager")
    documents = await client.get("/manager/documents")
    assert 'href="/manager/documents/import"' in documents.text and "Загрузить файл поставщика" in documents.text
    page = await client.get("/manager/documents/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text and "Основной склад" in page.text
    csv = f"Штрихкод;Наименование;Количество;Цена\n{BIG};Кения 1 кг;3;1 500,00\n".encode("cp1251")
    answer = await upload(client, csv, warehouse=d.wh)
    assert answer.status_code == 303
    doc = await StockDocument.select().order_by(StockDocument.id, ascending=False).first()
    assert answer.headers["location"] == f"/manager/documents/{doc['id']}"
    assert (doc["kind"], doc["status"], doc["supplier"]) == ("receipt", "draft", "ООО Зерно")
    line = await StockDocumentLine.select().where(StockDocumentLine.document == doc["id"]).first()
    assert (line["variant"], line["qty"], line["price"]) == (d.sku["KEN-1000"], 3, 150000)
    opened = await client.get(answer.headers["location"])
    assert opened.status_code == 200 and "Черновик прихода создан" in opened.text


@pytest.mark.parametrize("data, expected", [
    (b"SKU;Qty\nNOPE;1\nKEN-250;x\n", ["Строка 2: артикул NOPE не найден", "Строка 3: количество x"]),
    (b"", ["Выберите файл поставщика"]),
    (b"\x00\x01\x02\x03" * 100, ["не текстовый файл CSV"]),
    (b"x" * (2 * 1024 * 1024 + 10), ["Файл больше 2 МБ"]),
    (b"x" * (20 * 1024 * 1024), ["Файл больше 2 МБ"]),  # far beyond: still the form, not an error page
])
async def test_a_bad_file_re_renders_the_form_with_every_problem_and_creates_nothing(client, data, expected):
    d = await dock(expected=False)
    await sign_in(client, "manager")
    before = await StockDocument.count()
    answer = await upload(client, data, warehouse=d.wh, name="" if data == b"" else "f.csv")
    assert answer.status_code == 422, answer.text[:500]
    shown = texts(answer.text)
    assert all(e in shown for e in expected), shown[:800]
    assert 'value="ООО Зерно"' in answer.text  # what was typed stays
    assert await StockDocument.count() == before


async def test_a_missing_supplier_is_said_on_the_form(client):
    d = await dock(expected=False)
    await sign_in(client, "manager")
    answer = await upload(client, b"SKU;Qty\nKEN-250;1\n", warehouse=d.wh, supplier="  ")
    assert answer.status_code == 422 and "Укажите поставщика" in texts(answer.text)


@pytest.mark.parametrize("role", ["picker", "cashier"])
async def test_only_managers_import(client, role):
    d = await dock(expected=False)
    await sign_in(client, role)
    assert (await client.get("/manager/documents/import")).status_code == 403
    answer = await upload(client, b"SKU;Qty\nKEN-250;1\n", warehouse=d.wh)
    assert answer.status_code == 403 and await StockDocument.count() == 1
