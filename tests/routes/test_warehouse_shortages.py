"""The picker's «Нет товара» form and the packing slip over HTTP: a report goes through and back to the list,
bad input is refused in Russian with nothing written, the slip prints in two sizes with no prices."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import SHOE_CODE, confirmed_order, floor, scan  # noqa: E402

from server.domain.orders.tables import Order  # noqa: E402
from server.domain.picking.lists import create_pick_list  # noqa: E402
from server.domain.picking.packing import complete_pick_list  # noqa: E402
from server.domain.picking.tables import PickLine, PickShortage  # noqa: E402
from tests.routes.manager_helpers import by_testid, form, sign_in, texts  # noqa: E402


async def _list(*lines):
    order = await confirmed_order(*lines)
    pick_list = await create_pick_list([order], actor="picker")
    first = await PickLine.select().where(PickLine.pick_list == pick_list).order_by(PickLine.seq).first()
    return order, pick_list, first


async def test_the_picker_reports_missing_goods_and_goes_back_to_the_list(client):
    await floor()
    _order, pick_list, line = await _list(("KEN-250", 3))
    await sign_in(client, "picker")
    url = f"/warehouse/pick/{pick_list}/lines/{line['id']}/short"
    shown = await client.get(url)
    assert shown.status_code == 200
    assert by_testid(shown.text, "short-bin") == ["A-01"] and "Кения АА" in shown.text
    assert 'name="qty" value="3"' in shown.text and "₽" not in shown.text
    assert "Сообщить менеджеру" in shown.text
    sent = await client.post(url, data=form(client, qty="2", comment="ячейка пуста"), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == f"/warehouse/pick/{pick_list}"
    row = await PickShortage.select().first()
    assert (row["qty"], row["comment"], row["reported_by"]) == (2, "ячейка пуста", "picker")
    again = await client.get(url)
    assert by_testid(again.text, "short-reported") == ["Уже сообщено о нехватке: 2. Новое сообщение добавится к нему."]


async def test_bad_reports_are_refused_in_russian_and_change_nothing(client):
    await floor()
    _order, pick_list, line = await _list(("KEN-250", 3))
    await sign_in(client, "picker")
    url = f"/warehouse/pick/{pick_list}/lines/{line['id']}/short"
    for qty, text in (("abc", "Укажите целым числом"), ("9", "Осталось собрать от 1 до 3")):
        answer = await client.post(url, data=form(client, qty=qty, comment="x"), follow_redirects=False)
        assert answer.status_code == 422, answer.text
        assert text in texts(answer.text) and 'aria-invalid="true"' in answer.text
    assert not await PickShortage.exists()
    missing = await client.get(f"/warehouse/pick/{pick_list}/lines/{line['id'] + 99}/short")
    assert missing.status_code == 404 and "нет в листе сборки" in missing.text
    no_csrf = await client.post(url, data={"qty": "1"}, follow_redirects=False)
    assert no_csrf.status_code == 403 and not await PickShortage.exists()


async def test_the_slip_prints_in_two_sizes_for_pickers_and_managers_without_prices(client):
    f = await floor()
    order, pick_list, _line = await _list(("KEN-250", 1), ("TS-M", 1))
    await Order.update({Order.contact_phone: "+79161234567", Order.delivery_address: "Москва, ул. Ленина, 1"}).where(
        Order.id == order)
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, SHOE_CODE)
    await complete_pick_list(pick_list, actor="picker")
    number = (await Order.select(Order.number).where(Order.id == order).first())["number"]
    await sign_in(client, "picker")
    a4 = await client.get(f"/warehouse/orders/{order}/slip")
    assert a4.status_code == 200
    assert 'data-size="a4"' in a4.text and "@page { size:A4" in a4.text
    assert by_testid(a4.text, "slip-number") == [f"Заказ {number}"]
    assert by_testid(a4.text, "slip-customer-name") == ["Анна Петрова"]
    assert by_testid(a4.text, "slip-address") == ["Москва, ул. Ленина, 1"]
    assert 'class="code128"' in a4.text and 'class="qr"' in a4.text and "window.print()" in a4.text
    assert [m for m in re.findall(r'data-testid="slip-codes">([^<]*)<', a4.text)] == ["—", "1"]
    assert "₽" not in a4.text and "1000,00" not in a4.text
    narrow = await client.get(f"/warehouse/orders/{order}/slip?size=80")
    assert 'data-size="80"' in narrow.text and "@page { margin:2mm; }" in narrow.text
    assert 'data-size="a4"' in (await client.get(f"/warehouse/orders/{order}/slip?size=huge")).text
    assert (await client.get(f"/warehouse/orders/{order + 99}/slip")).status_code == 404


async def test_cashiers_and_couriers_may_not_report_or_print(client):
    await floor()
    order, pick_list, line = await _list(("KEN-250", 1))
    await sign_in(client, "cashier")
    assert (await client.get(f"/warehouse/pick/{pick_list}/lines/{line['id']}/short")).status_code == 403
    assert (await client.get(f"/warehouse/orders/{order}/slip")).status_code == 403
