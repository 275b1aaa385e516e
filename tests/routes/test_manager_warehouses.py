"""Manager PWA, warehouses and bins over HTTP: a new shop creates its warehouse, generates bins with a
live count, filters and pages them, moves a bin in the walk, and every refusal (bad input, closing a
warehouse or a bin that still holds goods) re-renders in Russian with a 4xx status and changes nothing."""

from __future__ import annotations

import re
from html import unescape

from server.domain.audit.log import history
from server.domain.audit.tables import AuditEntry
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import Bin, Warehouse
from tests.domain.stock_helpers import receive
from tests.routes.manager_helpers import (
    HTMX,
    count_testid,
    form_fields,
    make_shop,
    post_fields,
    replace,
    sign_in,
    texts,
)

BASE = "/manager/warehouses"


async def _state() -> dict:
    return {"warehouses": await Warehouse.select().order_by(Warehouse.id), "bins": await Bin.select().order_by(Bin.id),
            "audit": await AuditEntry.count()}


def _addresses(html: str) -> list[str]:
    return re.findall(r'data-testid="bin-row" data-address="([^"]+)"', html)


def _location(response) -> str:
    assert response.status_code in (200, 303), response.text
    return response.headers.get("location") or response.headers.get("hx-redirect") or ""


async def test_only_managers_see_warehouses(client):
    await sign_in(client, "cashier")
    home = await client.get("/manager/")
    assert 'data-testid="nav-warehouses"' not in home.text
    assert (await client.get(BASE, follow_redirects=False)).status_code == 403
    await client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken") or ""})
    await sign_in(client, "manager")
    home = await client.get("/manager/")
    assert 'data-testid="nav-warehouses"' in home.text and "Склады" in home.text


async def test_a_new_shop_creates_a_warehouse_and_generates_its_bins(client):
    await sign_in(client, "manager")
    empty = await client.get(BASE)
    assert empty.status_code == 200 and 'data-testid="warehouses-empty"' in empty.text
    form = await client.get(f"{BASE}/new")
    assert form.status_code == 200 and "Новый склад" in form.text and 'name="_csrf_token"' in form.text
    fields = replace(replace(form_fields(form.text, "warehouse-form"), "code", "main"), "name", "Основной склад")
    created = await post_fields(client, f"{BASE}/new", replace(fields, "address", "Москва, Складская, 1"))
    location = _location(created)
    warehouse_id = int(re.fullmatch(rf"{BASE}/(\d+)", location).group(1))
    page = await client.get(location)
    assert "Склад создан" in page.text and "Основной склад" in page.text and 'data-testid="bins-empty"' in page.text
    assert page.headers["vary"] == "HX-Request"

    # The count follows what is typed (HTMX: only the count), and a plain GET of the same URL is the page.
    query = {"zone": "a", "rack_from": "1", "rack_to": "2", "shelf_from": "1", "shelf_to": "3", "cell_from": "1",
             "cell_to": "2"}
    preview = await client.get(f"{BASE}/{warehouse_id}/bins/new", params=query, headers=HTMX)
    assert preview.status_code == 200 and "<html" not in preview.text and preview.headers["vary"] == "HX-Request"
    assert 'data-count="12"' in preview.text and "A-01-01-01" in preview.text and "A-02-01-01" in preview.text
    full = await client.get(f"{BASE}/{warehouse_id}/bins/new", params=query)
    assert "<html" in full.text and 'data-count="12"' in full.text and 'value="a"' in full.text
    bad = await client.get(f"{BASE}/{warehouse_id}/bins/new", params={**query, "rack_to": "x"}, headers=HTMX)
    assert bad.status_code == 200 and "«x» — не целое число от 0 до 9999" in bad.text
    assert await Bin.count() == 0

    form = await client.get(f"{BASE}/{warehouse_id}/bins/new")
    fields = form_fields(form.text, "bin-range-form")
    for name, value in query.items():
        fields = replace(fields, name, value)
    made = await post_fields(client, f"{BASE}/{warehouse_id}/bins/new", fields)
    assert _location(made) == f"{BASE}/{warehouse_id}?zone=A"
    page = await client.get(_location(made))
    assert "Создано ячеек: 12" in page.text
    assert _addresses(page.text) == ["A-01-01-01", "A-01-01-02", "A-01-02-01", "A-01-02-02", "A-01-03-01",
                                     "A-01-03-02", "A-02-03-02", "A-02-03-01", "A-02-02-02", "A-02-02-01",
                                     "A-02-01-02", "A-02-01-01"]
    listing = await client.get(BASE)
    row = listing.text.split('data-code="MAIN"')[1].split("</tr>")[0]
    assert re.search(r'data-testid="warehouse-bins">12<', row)
    (entry,) = await history("warehouse", warehouse_id, limit=1)
    assert entry["action"] == "bin.create_range" and entry["actor"] == "manager"


async def test_bins_are_filtered_by_zone_and_address_and_paged(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    main = shop.warehouses["MAIN"]
    fields = [("zone", "B"), ("rack_from", "1"), ("rack_to", "3"), ("shelf_from", "1"), ("shelf_to", "20")]
    assert _location(await post_fields(client, f"{BASE}/{main}/bins/new", fields))
    page = await client.get(f"{BASE}/{main}")
    assert "Ячеек найдено: 62" in texts(page.text) and count_testid(page.text, "bin-row") == 50
    assert 'data-testid="pager-next"' in page.text and '<option value="B"' in page.text
    second = await client.get(f"{BASE}/{main}", params={"page": "2"}, headers=HTMX)
    assert "<html" not in second.text and count_testid(second.text, "bin-row") == 12
    assert second.headers["vary"] == "HX-Request"
    zone = await client.get(f"{BASE}/{main}", params={"zone": "A"}, headers=HTMX)
    assert _addresses(zone.text) == ["A-01", "A-02"]
    typed = await client.get(f"{BASE}/{main}", params={"q": "b-02-1"}, headers=HTMX)
    assert _addresses(typed.text) == [f"B-02-{n}" for n in range(19, 9, -1)]
    nothing = await client.get(f"{BASE}/{main}", params={"q": "Я-99"}, headers=HTMX)
    assert 'data-testid="bins-empty"' in nothing.text and "Ни одна ячейка не подходит" in nothing.text


async def test_bad_input_re_renders_the_form_in_russian_and_changes_nothing(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    main = shop.warehouses["MAIN"]
    before = await _state()
    response = await post_fields(client, f"{BASE}/new", [("code", "бад код!"), ("name", ""), ("address", "Там")])
    assert response.status_code == 422 and 'data-testid="warehouse-form"' in response.text
    assert "Код склада — от 1 до 32 букв" in response.text and "Название склада — от 1 до 200 символов" in response.text
    assert ("address", "Там") in form_fields(response.text, "warehouse-form")
    response = await post_fields(client, f"{BASE}/new", [("code", "main"), ("name", "Второй")])
    assert response.status_code == 409 and "Код склада MAIN уже занят" in response.text

    fields = [("zone", "A"), ("rack_from", "1"), ("rack_to", "3")]
    response = await post_fields(client, f"{BASE}/{main}/bins/new", fields)
    assert response.status_code == 409 and "Ячейки уже есть на складе MAIN (2): A-01, A-02" in response.text
    assert ("rack_to", "3") in form_fields(response.text, "bin-range-form")
    response = await post_fields(client, f"{BASE}/{main}/bins/new", [("zone", ""), ("rack_from", "5"),
                                                                     ("rack_to", "1"), ("cell_from", "1")])
    assert response.status_code == 422
    assert {"У ячейки должна быть хотя бы зона", "Диапазон кончается раньше, чем начинается: 5 > 1",
            "Для ячеек укажите и диапазон полок"} <= set(re.findall(r"<p>([^<]+)</p>", unescape(response.text)))
    assert 'aria-invalid="true" aria-describedby="err-rack"' in response.text
    response = await post_fields(client, f"{BASE}/{main}/bins/new", [("zone", "C"), ("rack_from", "1"),
                                                                     ("rack_to", "30"), ("shelf_from", "1"),
                                                                     ("shelf_to", "100")])
    assert response.status_code == 422 and "Получается ячеек: 3000" in response.text
    assert await _state() == before
    assert (await client.get(f"{BASE}/{main + 100}")).status_code == 404


async def test_a_warehouse_is_edited_and_closed_only_when_empty(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    main, ken = shop.warehouses["MAIN"], shop.variants["KEN-250"]
    await receive(main, (ken, 5, 40000, shop.bins["MAIN:A-01"]))
    form = await client.get(f"{BASE}/{main}/edit")
    fields = form_fields(form.text, "warehouse-form")
    assert ("active", "on") in fields and "code" not in dict(fields)  # the code is shown, not sent
    before = await _state()
    closing = replace(replace(fields, "name", "Переименованный"), "active")
    response = await post_fields(client, f"{BASE}/{main}/edit", closing)
    assert response.status_code == 409
    assert "На складе MAIN ещё лежит товар — позиций: 1, единиц: 5" in texts(response.text)
    assert ("name", "Переименованный") in form_fields(response.text, "warehouse-form")
    assert await _state() == before

    saved = await post_fields(client, f"{BASE}/{main}/edit", replace(fields, "name", "Переименованный"))
    assert _location(saved) == f"{BASE}/{main}"
    assert (await Warehouse.select(Warehouse.name).where(Warehouse.id == main).first())["name"] == "Переименованный"
    await create_document(DocumentInput("write_off", main, [LineInput(ken, 5, bin_id=shop.bins["MAIN:A-01"])],
                                        reason="брак"), post=True)
    closed = await post_fields(client, f"{BASE}/{main}/edit", closing)
    assert _location(closed) == f"{BASE}/{main}"
    page = await client.get(f"{BASE}/{main}")
    assert 'data-testid="warehouse-closed"' in page.text and 'data-testid="generate-bins"' not in page.text
    listing = await client.get(BASE)
    assert re.search(r'data-code="MAIN" data-active="no"', listing.text)
    (entry,) = await history("warehouse", main, limit=1)
    assert entry["action"] == "warehouse.close" and entry["changes"]["active"] == {"old": True, "new": False}


async def test_a_bin_moves_in_the_walk_and_cannot_be_closed_while_it_holds_goods(client):
    shop = await make_shop()
    await sign_in(client, "manager")
    main, ken, shelf = shop.warehouses["MAIN"], shop.variants["KEN-250"], shop.bins["MAIN:A-01"]
    await receive(main, (ken, 3, 40000, shelf))
    page = await client.get(f"{BASE}/{main}/bins/{shelf}")
    assert page.status_code == 200 and "Ячейка A-01" in page.text and 'data-sku="KEN-250"' in page.text
    fields = form_fields(page.text, "bin-form")
    assert ("pick_seq", "10") in fields and ("active", "on") in fields
    before = await _state()
    response = await post_fields(client, f"{BASE}/{main}/bins/{shelf}", replace(fields, "active"))
    assert response.status_code == 409 and "В ячейке A-01 ещё лежит товар — позиций: 1, единиц: 3" in response.text
    response = await post_fields(client, f"{BASE}/{main}/bins/{shelf}", replace(fields, "pick_seq", "первый"))
    assert response.status_code == 422 and "Порядок обхода — целое число от 0 до 1000000000" in response.text
    assert ("pick_seq", "первый") in form_fields(response.text, "bin-form")
    assert await _state() == before
    other_bin = shop.bins["SHOP:B-01"]
    assert (await client.get(f"{BASE}/{main}/bins/{other_bin}")).status_code == 404  # not this warehouse's bin

    saved = await post_fields(client, f"{BASE}/{main}/bins/{shelf}", replace(fields, "pick_seq", "25"))
    assert _location(saved) == f"{BASE}/{main}"
    listing = await client.get(f"{BASE}/{main}")
    assert _addresses(listing.text) == ["A-02", "A-01"] and "Ячейка сохранена" in listing.text
    empty = shop.bins["MAIN:A-02"]
    fields = form_fields((await client.get(f"{BASE}/{main}/bins/{empty}")).text, "bin-form")
    assert _location(await post_fields(client, f"{BASE}/{main}/bins/{empty}", replace(fields, "active")))
    assert _addresses((await client.get(f"{BASE}/{main}")).text) == ["A-01"]
    closed = await client.get(f"{BASE}/{main}", params={"status": "inactive"})
    assert _addresses(closed.text) == ["A-02"]
