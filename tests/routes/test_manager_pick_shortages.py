"""The manager's side of missing goods over HTTP: the board's badge, the card's block with analogs and the
three answers, refusals shown on the card in Russian, the codes block, the slip links; cashiers look only."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import SHOE_CODE, confirmed_order, floor, scan  # noqa: E402

from server.domain.orders.tables import OrderLine  # noqa: E402
from server.domain.picking.lists import create_pick_list  # noqa: E402
from server.domain.picking.shortages import report_shortage  # noqa: E402
from server.domain.picking.tables import PickLine, PickShortage  # noqa: E402
from tests.routes.manager_helpers import HTMX, by_testid, count_testid, form, sign_in, texts  # noqa: E402


async def _short_order(f):
    """An order of KEN-250 × 2 and TS-M × 1 in a pick list: the marked unit scanned, KEN-250 reported missing."""
    order = await confirmed_order(("KEN-250", 2), ("TS-M", 1))
    pick_list = await create_pick_list([order], actor="picker")
    await scan(pick_list, SHOE_CODE)
    ken = await PickLine.select().where((PickLine.pick_list == pick_list) & (PickLine.variant == f.sku["KEN-250"])).first()
    await report_shortage(pick_list, ken["id"], 2, actor="picker", comment="пусто")
    line = await OrderLine.select().where((OrderLine.order == order) & (OrderLine.sku == "KEN-250")).first()
    return order, pick_list, line


async def _lines(order: int) -> list[tuple[str, int]]:
    rows = await OrderLine.select(OrderLine.sku, OrderLine.qty).where(OrderLine.order == order).order_by(OrderLine.line_no)
    return [(r["sku"], r["qty"]) for r in rows]


async def test_the_board_flags_the_order_and_the_card_offers_analogs_and_answers(client):
    f = await floor()
    order, _list, line = await _short_order(f)
    await sign_in(client, "manager")
    board = await client.get("/manager/orders/", headers=HTMX)
    assert by_testid(board.text, "order-pick-short") == ["не найдено: 2"]
    card = await client.get(f"/manager/orders/{order}")
    assert card.status_code == 200
    assert "Сборщик не нашёл товар" in card.text and "Не хватает 2 из 2" in texts(card.text)
    assert "«пусто»" in card.text and "ячейка A-01" in texts(card.text)
    assert count_testid(card.text, "analog") == 1 and 'data-sku="KEN-250-M"' in card.text
    assert "другой вариант того же товара" in card.text
    assert count_testid(card.text, "reduce-form") == 1 and count_testid(card.text, "found-form") == 1
    assert "Коды маркировки и серийные номера" in card.text and count_testid(card.text, "order-code") == 1
    assert f'href="/warehouse/orders/{order}/slip"' in card.text
    replaced = await client.post(f"/manager/orders/{order}/lines/{line['id']}/replace",
                                 data=form(client, analog=str(f.sku["KEN-250-M"]), qty="2", price=""),
                                 follow_redirects=False)
    assert replaced.status_code == 303 and replaced.headers["location"] == f"/manager/orders/{order}"
    assert await _lines(order) == [("KEN-250", 0), ("TS-M", 1), ("KEN-250-M", 2)]
    after = await client.get(f"/manager/orders/{order}")
    assert "KEN-250-M добавлен вместо ненайденного товара" in after.text
    assert count_testid(after.text, "pick-shortage") == 0
    assert by_testid((await client.get("/manager/orders/", headers=HTMX)).text, "order-pick-short") == []


async def test_reduce_and_found_and_their_refusals(client):
    f = await floor()
    order, pick_list, line = await _short_order(f)
    await sign_in(client, "manager")
    base = f"/manager/orders/{order}/lines/{line['id']}"
    bad = await client.post(f"{base}/reduce", data=form(client, by="5"), follow_redirects=False)
    assert bad.status_code == 422 and "уменьшить можно на 1–2 шт." in texts(bad.text)
    junk = await client.post(f"{base}/replace", data=form(client, analog=str(f.sku["KEN-250-M"]), qty="1",
                                                         price="дорого"), follow_redirects=False)
    assert junk.status_code == 422 and "Цена — сумма в рублях" in texts(junk.text)
    too_many = await client.post(f"{base}/replace", data=form(client, analog=str(f.sku["KEN-250-M"]), qty="50"),
                                 follow_redirects=False)
    assert too_many.status_code == 409 and "KEN-250-M" in texts(too_many.text)
    assert await _lines(order) == [("KEN-250", 2), ("TS-M", 1)]
    found = await client.post(f"{base}/found", data=form(client), follow_redirects=False)
    assert found.status_code == 303
    assert (await PickShortage.select(PickShortage.resolution).first())["resolution"] == "found"
    again = await client.post(f"{base}/found", data=form(client), follow_redirects=False)
    assert again.status_code == 409 and "нехватки нет" in texts(again.text)
    await report_shortage(pick_list, (await PickLine.select(PickLine.id).where(
        (PickLine.pick_list == pick_list) & (PickLine.variant == f.sku["KEN-250"])).first())["id"], 1, actor="picker")
    reduced = await client.post(f"{base}/reduce", data=form(client, by="1"), follow_redirects=False)
    assert reduced.status_code == 303 and await _lines(order) == [("KEN-250", 1), ("TS-M", 1)]
    assert "В строке 1 теперь 1 шт." in (await client.get(f"/manager/orders/{order}")).text


async def test_cashiers_see_the_block_but_cannot_answer(client):
    f = await floor()
    order, _list, line = await _short_order(f)
    await sign_in(client, "cashier")
    card = await client.get(f"/manager/orders/{order}")
    assert card.status_code == 200 and "Сборщик не нашёл товар" in card.text
    assert count_testid(card.text, "reduce-form") == 0 and count_testid(card.text, "replace-form") == 0
    assert count_testid(card.text, "slip-link") == 0
    refused = await client.post(f"/manager/orders/{order}/lines/{line['id']}/reduce", data=form(client, by="2"),
                                follow_redirects=False)
    assert refused.status_code == 403 and await _lines(order) == [("KEN-250", 2), ("TS-M", 1)]
