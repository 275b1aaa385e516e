"""Manager PWA, stock documents over HTTP: scan lines into the editor, save, post, unpost, delete, and
every refusal in Russian with nothing changed."""

from __future__ import annotations

import re

from server.domain.stock.tables import StockDocument
from tests.domain.stock_helpers import balance, bin_on_hand, receive, snapshot
from tests.routes.manager_helpers import (
    HTMX,
    KEN_EAN,
    KEN_PACK_EAN,
    by_testid,
    count_testid,
    form_fields,
    make_shop,
    post_fields,
    replace,
    sign_in,
    texts,
)

LINES = "/manager/documents/lines"


def _doc_id(response) -> int:
    assert response.status_code in (303, 200), response.text
    location = response.headers.get("location") or response.headers.get("hx-redirect") or ""
    match = re.fullmatch(r"/manager/documents/(\d+)", location)
    assert match, location
    return int(match.group(1))


async def _scan(client, fields, code: str) -> tuple[str, list[tuple[str, str]]]:
    """Types a code into the scan field and presses Enter (HTMX): the new lines fragment and the
    editor's fields as they are after the swap."""
    response = await post_fields(client, LINES, replace(fields, "code", code), headers=HTMX, action="scan")
    assert response.status_code == 200, response.text
    assert response.headers["vary"] == "HX-Request" and "<html" not in response.text
    header = [f for f in fields if not f[0].startswith("line_") and f[0] != "code"]
    return response.text, header + form_fields(response.text)


async def _editor(client, url: str) -> list[tuple[str, str]]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return form_fields(response.text, "doc-form")


async def test_receipt_by_scanning_then_post_unpost_and_the_card_follows(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken, main = shop.variants["KEN-250"], shop.warehouses["MAIN"]
    page = await client.get("/manager/documents/new", params={"kind": "receipt"})
    assert page.status_code == 200 and "Новое поступление" in page.text
    assert 'data-testid="scan-input"' in page.text and 'name="code"' in page.text
    fields = form_fields(page.text, "doc-form")
    assert ("warehouse_id", str(main)) in fields and ("kind", "receipt") in fields

    html, fields = await _scan(client, fields, KEN_EAN)
    assert by_testid(html, "line-sku") == ["KEN-250"] and ("line_qty", "1") in fields
    assert "Добавлено: KEN-250" in html
    html, fields = await _scan(client, fields, KEN_PACK_EAN)  # a box of 6 adds to the same line
    assert by_testid(html, "line-sku") == ["KEN-250"] and ("line_qty", "7") in fields
    html, fields = await _scan(client, fields, "ken-1000")  # a SKU, any case
    assert by_testid(html, "line-sku") == ["KEN-250", "KEN-1000"]
    fields = replace(fields, "line_bin", str(shop.bins["MAIN:A-01"]), "")
    fields = replace(fields, "line_price", "400", "1 500,50")
    fields = replace(fields, "supplier", "ООО «Зерно»")

    saved = await post_fields(client, "/manager/documents/new?kind=receipt", fields, action="save")
    document_id = _doc_id(saved)
    assert (await balance(ken, main))["on_hand"] == 0  # a draft changes nothing
    editor = await client.get(f"/manager/documents/{document_id}")
    assert "Черновик сохранён" in editor.text and "ПР-" in editor.text
    fields = form_fields(editor.text, "doc-form")
    assert ("line_qty", "7") in fields and ("line_price", "400,00") in fields and ("supplier", "ООО «Зерно»") in fields

    posted = await post_fields(client, f"/manager/documents/{document_id}", fields, action="post")
    assert _doc_id(posted) == document_id
    view = await client.get(f"/manager/documents/{document_id}")
    assert "Документ проведён" in view.text and 'data-testid="unpost"' in view.text
    moves = re.findall(r'data-testid="move" data-sku="([^"]+)" data-qty="([^"]+)"', view.text)
    assert sorted(moves) == [("KEN-1000", "1"), ("KEN-250", "7")]
    assert "2\u202f800,00" in view.text and "Поставщик" in texts(view.text)
    assert (await balance(ken, main))["on_hand"] == 7 and await bin_on_hand(ken, shop.bins["MAIN:A-01"]) == 7
    card = await client.get(f"/manager/catalog/{shop.product_id}")
    row = card.text.split(f'data-warehouse-id="{main}"')[1].split("</tr>")[0]
    assert by_testid(row, "stock-on-hand") == ["7"] and "A-01</span>: 7" in row and "400,00" in row

    unposted = await post_fields(client, f"/manager/documents/{document_id}/unpost", [])
    assert _doc_id(unposted) == document_id
    assert (await balance(ken, main))["on_hand"] == 0
    again = await client.get(f"/manager/documents/{document_id}")
    assert "снова черновик" in again.text and 'data-testid="document-form"' in again.text
    assert count_testid(again.text, "move-reversal") == 2 and count_testid(again.text, "move") == 4


async def test_posting_beyond_stock_is_refused_and_changes_nothing(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken, main = shop.variants["KEN-250"], shop.warehouses["MAIN"]
    await receive(main, (ken, 5, 40000))
    page = await client.get("/manager/documents/new", params={"kind": "write_off"})
    _html, fields = await _scan(client, form_fields(page.text, "doc-form"), "KEN-250")
    fields = replace(replace(fields, "line_qty", "8"), "reason", "Брак")
    before = await snapshot()
    response = await post_fields(client, "/manager/documents/new?kind=write_off", fields, action="post")
    assert response.status_code == 409, response.text
    assert "Не хватает KEN-250 на складе" in response.text and "нужно 8, доступно 5" in response.text
    assert 'data-testid="document-form"' in response.text and ("line_qty", "8") in form_fields(response.text, "doc-form")
    assert await snapshot() == before

    # The same through a saved draft: the draft keeps its old lines, nothing moves.
    fields = replace(fields, "line_qty", "2")
    document_id = _doc_id(await post_fields(client, "/manager/documents/new?kind=write_off", fields, action="save"))
    before = await snapshot()
    response = await post_fields(client, f"/manager/documents/{document_id}", replace(fields, "line_qty", "9"),
                                 action="post")
    assert response.status_code == 409 and "нужно 9, доступно 5" in response.text
    assert await snapshot() == before


async def test_bad_lines_are_all_reported_in_russian_and_nothing_is_saved(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    page = await client.get("/manager/documents/new", params={"kind": "write_off"})
    fields = form_fields(page.text, "doc-form")
    for code in ("KEN-250", "KEN-1000", "TEA-ASSAM"):
        _html, fields = await _scan(client, fields, code)
    fields = replace(fields, "line_qty", "0", "-3", "много")
    response = await post_fields(client, "/manager/documents/new?kind=write_off", fields, action="save")
    assert response.status_code == 422, response.text
    text = texts(response.text)
    for message in ("Укажите причину списания", "Строка 1: количество должно быть больше нуля",
                    "Строка 2: количество должно быть больше нуля", "Строка 3: количество должно быть целым числом"):
        assert message in text, message
    assert count_testid(response.text, "line-error") == 3 and response.text.count('aria-invalid="true"') >= 4
    assert ("line_qty", "много") in form_fields(response.text, "doc-form")  # what was typed stays
    assert await StockDocument.count() == 0
    # No lines at all, a huge quantity, a price that is no sum of money.
    receipt = await client.get("/manager/documents/new", params={"kind": "receipt"})
    empty = await post_fields(client, "/manager/documents/new?kind=receipt", form_fields(receipt.text, "doc-form"),
                              action="post")
    assert empty.status_code == 422 and "Добавьте хотя бы одну строку" in empty.text
    _html, fields = await _scan(client, form_fields(receipt.text, "doc-form"), "KEN-250")
    fields = replace(replace(fields, "line_qty", "99999999999999"), "line_price", "12,345")
    response = await post_fields(client, "/manager/documents/new?kind=receipt", fields, action="post")
    assert response.status_code == 422
    assert "количество — не больше" in response.text and "цена — это сумма в рублях" in response.text
    assert await StockDocument.count() == 0 and shop


async def test_unknown_code_and_picking_from_several_matches(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    page = await client.get("/manager/documents/new", params={"kind": "receipt"})
    fields = form_fields(page.text, "doc-form")
    html, fields = await _scan(client, fields, "4600000000000")
    assert "Ничего не найдено по «4600000000000»" in html and count_testid(html, "line") == 0
    assert 'id="flash" hx-swap-oob="innerHTML"' in html
    html, fields = await _scan(client, fields, "кения")
    assert count_testid(html, "scan-choice") == 2 and count_testid(html, "line") == 0
    response = await post_fields(client, LINES, fields, headers=HTMX, pick="KEN-1000")
    assert by_testid(response.text, "line-sku") == ["KEN-1000"]
    fields = [f for f in fields if not f[0].startswith("line_")] + form_fields(response.text)
    # Remove the line again.
    response = await post_fields(client, LINES, fields, headers=HTMX, remove="0")
    assert count_testid(response.text, "line") == 0 and "Строка удалена: KEN-1000" in response.text
    assert shop


async def test_scanning_without_javascript_rerenders_the_whole_editor(client):
    await make_shop()
    await sign_in(client, "manager")
    page = await client.get("/manager/documents/new", params={"kind": "inventory"})
    fields = replace(form_fields(page.text, "doc-form"), "code", KEN_EAN)
    response = await post_fields(client, "/manager/documents/new?kind=inventory", fields, action="scan")
    assert response.status_code == 200 and "<html" in response.text and "Новая инвентаризация" in response.text
    assert by_testid(response.text, "line-sku") == ["KEN-250"]
    assert await StockDocument.count() == 0


async def test_transfer_between_bins_and_between_warehouses(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken, main = shop.variants["KEN-250"], shop.warehouses["MAIN"]
    a1, a2 = shop.bins["MAIN:A-01"], shop.bins["MAIN:A-02"]
    await receive(main, (ken, 10, 40000, a1))
    page = await client.get("/manager/documents/new", params={"kind": "transfer"})
    assert "Тот же склад: перемещение между ячейками" in page.text
    html, fields = await _scan(client, form_fields(page.text, "doc-form"), "KEN-250")
    assert 'data-testid="line-dest-bin"' in html
    fields = replace(replace(replace(fields, "line_qty", "4"), "line_bin", str(a1)), "line_dest_bin", str(a2))
    response = await post_fields(client, "/manager/documents/new?kind=transfer", fields, action="post")
    _doc_id(response)
    assert await bin_on_hand(ken, a1) == 6 and await bin_on_hand(ken, a2) == 4
    assert (await balance(ken, main))["on_hand"] == 10
    # Same bin on both sides: refused in Russian.
    same = replace(replace(fields, "line_qty", "1"), "line_dest_bin", str(a1))
    response = await post_fields(client, "/manager/documents/new?kind=transfer", same, action="post")
    assert response.status_code == 422 and "место отправления и назначения совпадают" in response.text
    # To another warehouse: its bins are offered for the destination.
    fields = replace(fields, "dest_warehouse_id", str(shop.warehouses["SHOP"]))
    html, fields = await _scan(client, replace(fields, "line_dest_bin", ""), "TEA-ASSAM")
    assert re.search(rf'value="{shop.bins["SHOP:B-01"]}"\s*>B-01<', html) and re.search(rf'value="{a2}"\s*>A-02<', html)
    await receive(main, (shop.variants["TEA-ASSAM"], 2, 10000))
    fields = replace(replace(replace(fields, "line_qty", "3", "2"), "line_bin", str(a2), ""),
                     "line_dest_bin", str(shop.bins["SHOP:B-01"]), "")
    _doc_id(await post_fields(client, "/manager/documents/new?kind=transfer", fields, action="post"))
    assert (await balance(ken, shop.warehouses["SHOP"]))["on_hand"] == 3
    assert await bin_on_hand(ken, shop.bins["SHOP:B-01"]) == 3 and await bin_on_hand(ken, a2) == 1


async def test_unposting_consumed_stock_is_refused(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken, main = shop.variants["KEN-250"], shop.warehouses["MAIN"]
    receipt_id = await receive(main, (ken, 5, 40000))
    page = await client.get("/manager/documents/new", params={"kind": "write_off"})
    _html, fields = await _scan(client, form_fields(page.text, "doc-form"), "KEN-250")
    fields = replace(replace(fields, "line_qty", "5"), "reason", "Истёк срок годности")
    _doc_id(await post_fields(client, "/manager/documents/new?kind=write_off", fields, action="post"))
    before = await snapshot()
    response = await post_fields(client, f"/manager/documents/{receipt_id}/unpost", [])
    assert response.status_code == 409
    assert "Отменить проведение документа" in response.text and "уже отгружен, перемещён или зарезервирован" in response.text
    assert 'data-testid="document-moves"' in response.text
    assert await snapshot() == before


async def test_delete_a_draft_but_not_a_posted_document(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    page = await client.get("/manager/documents/new", params={"kind": "inventory"})
    _html, fields = await _scan(client, form_fields(page.text, "doc-form"), "KEN-250")
    document_id = _doc_id(await post_fields(client, "/manager/documents/new?kind=inventory", fields, action="save"))
    editor = await client.get(f"/manager/documents/{document_id}")
    assert 'data-testid="delete-draft"' in editor.text
    response = await post_fields(client, f"/manager/documents/{document_id}/delete", [], headers=HTMX)
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/manager/documents"
    assert await StockDocument.count() == 0
    posted = await receive(shop.warehouses["MAIN"], (shop.variants["KEN-250"], 1, 100))
    response = await post_fields(client, f"/manager/documents/{posted}/delete", [])
    assert response.status_code == 409 and "удалить его нельзя" in response.text
    assert await StockDocument.count() == 1


async def test_saving_over_htmx_answers_with_a_client_redirect(client):
    await make_shop()
    await sign_in(client, "manager")
    page = await client.get("/manager/documents/new", params={"kind": "receipt"})
    _html, fields = await _scan(client, form_fields(page.text, "doc-form"), "KEN-250")
    response = await post_fields(client, "/manager/documents/new?kind=receipt", fields, action="save",
                                 headers={**HTMX, "HX-Boosted": "true"})
    assert response.status_code == 200 and re.fullmatch(r"/manager/documents/\d+", response.headers["hx-redirect"])


async def test_document_list_filters_and_htmx_results(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken, main, store = shop.variants["KEN-250"], shop.warehouses["MAIN"], shop.warehouses["SHOP"]
    await receive(main, (ken, 5, 40000), supplier="ООО Зерно")
    await receive(store, (ken, 2, 40000), supplier="ИП Чайник")
    page = await client.get("/manager/documents/new", params={"kind": "inventory"})
    _html, fields = await _scan(client, form_fields(page.text, "doc-form"), "KEN-250")
    _doc_id(await post_fields(client, "/manager/documents/new?kind=inventory", fields, action="save"))

    full = await client.get("/manager/documents")
    assert full.status_code == 200 and full.headers["vary"] == "HX-Request" and "<html" in full.text
    assert count_testid(full.text, "document-row") == 3 and 'data-testid="document-filters"' in full.text
    part = await client.get("/manager/documents", params={"status": "draft"}, headers=HTMX)
    assert "<html" not in part.text and count_testid(part.text, "document-row") == 1
    assert 'data-status="draft"' in part.text and part.headers["vary"] == "HX-Request"
    found = await client.get("/manager/documents", params={"q": "Зерно", "kind": "receipt"}, headers=HTMX)
    rows = re.findall(r'data-testid="document-row" data-number="([^"]+)"', found.text)
    assert len(rows) == 1 and rows[0].startswith("ПР-")
    by_wh = await client.get("/manager/documents", params={"warehouse": str(store)}, headers=HTMX)
    assert count_testid(by_wh.text, "document-row") == 1 and "ИП Чайник" in by_wh.text
    junk = await client.get("/manager/documents", params={"kind": "x", "status": "y", "warehouse": "z", "page": "0"})
    assert junk.status_code == 200 and count_testid(junk.text, "document-row") == 3
    none = await client.get("/manager/documents", params={"q": "нет такого"}, headers=HTMX)
    assert "Нет документов" in none.text


async def test_unknown_kind_and_missing_document_are_russian_errors(client):
    await sign_in(client, "manager")
    response = await client.get("/manager/documents/new", params={"kind": "shipment"})
    assert response.status_code == 422 and "Неизвестный вид документа" in response.text
    response = await client.get("/manager/documents/424242")
    assert response.status_code == 404 and "не найден" in response.text
    response = await post_fields(client, "/manager/documents/424242/unpost", [])
    assert response.status_code == 404
    response = await post_fields(client, LINES, [("kind", "bogus")], headers=HTMX)
    assert response.status_code == 422 and "Неизвестный вид документа" in response.text


async def test_garbage_in_the_editor_is_never_a_500(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    ken = str(shop.variants["KEN-250"])
    garbage = [
        [("kind", "receipt"), ("warehouse_id", "-1"), ("line_variant", ken), ("line_qty", "1")],
        [("kind", "receipt"), ("warehouse_id", "abc"), ("line_variant", "999999"), ("line_qty", "1e3")],
        [("kind", "transfer"), ("warehouse_id", str(shop.warehouses["MAIN"])), ("dest_warehouse_id", "424242"),
         ("line_variant", ken), ("line_qty", "2"), ("line_bin", "777"), ("line_dest_bin", "x")],
        [("kind", "write_off"), ("reason", "я" * 5000), ("comment", "x" * 10000), ("line_variant", ken),
         ("line_qty", "١٢"), ("line_price", "NaN")],
        [("kind", "receipt"), ("line_variant", ken), ("line_qty", "3"), ("line_price", "1e400")],
        [("kind", "inventory"), ("line_variant", ken), ("line_qty", "-1"), ("line_variant", ken), ("line_qty", "2")],
        [("kind", "receipt"), ("line_variant", ken)],  # columns missing
    ]
    for fields in garbage:
        for action in ("save", "post", "scan"):
            response = await post_fields(client, "/manager/documents/new", fields, action=action)
            assert response.status_code < 500, (fields, action, response.text[:500])
        response = await post_fields(client, LINES, fields + [("code", "\x1d" + "9" * 300)], headers=HTMX,
                                     action="scan")
        assert response.status_code < 500, (fields, response.text[:500])
        response = await post_fields(client, LINES, fields, headers=HTMX, remove="99", pick="NOPE")
        assert response.status_code < 500
    assert await StockDocument.count() == 0
