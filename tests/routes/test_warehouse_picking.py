"""The picker's side of picking over HTTP: the queue (page, fragment, live stream), making a pick list of one
order or a wave, the pick screen and its JSON (snapshot, scans right/wrong/replayed, malformed requests as
problem JSON), completion twice, no prices anywhere, and who may not come in."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest
from harness import csrf_headers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import MARKING, SHOE_CODE, confirmed_order, floor, marked_code  # noqa: E402

from server.domain.orders.status import change_status  # noqa: E402
from server.domain.orders.tables import Order  # noqa: E402
from server.domain.picking.tables import PickLine, PickList, PickListOrder, PickScan  # noqa: E402
from server.domain.stock.warehouses import create_warehouse  # noqa: E402
from tests.routes.manager_helpers import HTMX, by_testid, count_testid, form, sign_in, texts  # noqa: E402

JSON = {"Accept": "application/json"}


async def picker(client, role: str = "picker") -> None:
    await sign_in(client, role)


async def _status(order_id: int) -> str:
    return (await Order.select(Order.status).where(Order.id == order_id).first())["status"]


async def make_list(client, *order_ids: int, mode: str = "item", action: str | None = None) -> int:
    answer = await client.post("/warehouse/pick", data=form(client, order=[str(i) for i in order_ids], mode=mode,
                                                           action=action or ("wave" if len(order_ids) > 1 else "one")),
                               follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/warehouse/pick/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


async def send_scan(client, pick_list: int, code: str, *, uid: str | None = None, **extra):
    body = {"uuid": uid or uuid.uuid4().hex, "code": code, "device": "tsd-1",
            "scanned_at": "2026-12-06T08:00:00.000Z", **extra}
    return await client.post(f"/warehouse/pick/{pick_list}/scans", json=body,
                             headers={**JSON, **csrf_headers(client)})


async def test_the_queue_shows_orders_with_their_badges_and_its_fragment_answers_htmx(client):
    f = await floor()
    plain = await confirmed_order(("KEN-250", 2), ("GR-1", 1))
    marked = await confirmed_order(("TS-M", 1))
    short = await confirmed_order(("KEN-250-M", 50))  # 10 in stock: not fully reserved
    await picker(client)
    page = await client.get("/warehouse/")
    assert page.status_code == 200 and "Заказы к сборке" in page.text
    assert 'data-live-orders="/warehouse/live"' in page.text and "/static/common/live-orders.js" in page.text
    rows = {int(i): row for i, row in re.findall(r'data-order-id="(\d+)"(.*?)</li>', page.text, re.S)}
    assert set(rows) == {plain, marked, short}
    assert "Строк: 2 · штук: 3" in texts(rows[plain]) and "маркировка" not in rows[plain]
    assert 'data-testid="badge-marking"' in rows[marked]
    assert 'data-testid="badge-short"' in rows[short] and "не хватает: 40" in texts(rows[short])
    assert re.search(rf'name="order" value="{short}" disabled', rows[short])  # cannot be taken
    assert "Собрать волной" in page.text and 'value="location"' in page.text

    fragment = await client.get("/warehouse/", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Vary" in fragment.headers
    assert count_testid(fragment.text, "queue-order") == 3 and "HX-Request" in fragment.headers["vary"]
    assert f.wh


async def test_several_warehouses_offer_a_choice_and_it_is_remembered(client):
    f = await floor()
    await confirmed_order(("KEN-250", 1))
    other = await create_warehouse("SHOP", "Магазин")
    await picker(client)
    page = await client.get("/warehouse/")
    assert count_testid(page.text, "warehouse-choice") == 1 and count_testid(page.text, "queue-order") == 1
    chosen = await client.get(f"/warehouse/?warehouse={other}")
    assert count_testid(chosen.text, "queue-order") == 0 and "Собирать пока нечего" in chosen.text
    again = await client.get("/warehouse/", headers=HTMX)  # the live refresh keeps the choice
    assert count_testid(again.text, "queue-order") == 0
    back = await client.get(f"/warehouse/?warehouse={f.wh}")
    assert count_testid(back.text, "queue-order") == 1


async def test_one_order_makes_a_list_and_the_screen_shows_its_lines_without_prices(client):
    f = await floor()
    order = await confirmed_order(("GR-1", 1), ("KEN-250", 5))
    await picker(client)
    pick_list = await make_list(client, order)
    assert await _status(order) == "picking"
    screen = await client.get(f"/warehouse/pick/{pick_list}")
    assert screen.status_code == 200
    assert by_testid(screen.text, "pick-number") == ["СБ-000001"]
    lines = re.findall(r'data-testid="pick-line" data-line-id="(\d+)" data-sku="([^"]+)"', screen.text)
    assert [sku for _id, sku in lines] == ["KEN-250", "GR-1"]  # walking order: A-01, then C-01
    assert "A-01" in screen.text and "C-01" in screen.text and "Помол: зерно" in screen.text
    assert 'id="scan-feedback"' in screen.text and "data-manual-scan" in screen.text
    assert '<script type="application/json" id="pick-data">' in screen.text
    assert f"/warehouse/pick/{pick_list}/lines/{lines[0][0]}/short" in screen.text  # «Нет товара»
    for url in ("/warehouse/", f"/warehouse/pick/{pick_list}", f"/warehouse/pick/{pick_list}/data"):
        answer = await client.get(url)
        assert answer.status_code == 200 and "₽" not in answer.text, url  # a picker never sees prices
    data = (await client.get(f"/warehouse/pick/{pick_list}/data", headers=JSON)).json()
    assert data["id"] == pick_list and data["codes"][f.codes["KEN-250"]]["multiplier"] == 1
    assert data["other_codes"][f.codes["KEN-250-M"]]["variant_id"] == f.sku["KEN-250-M"]  # told offline too
    assert data["generated_at"] and "price" not in str(data)


async def test_a_wave_of_two_orders_and_the_refusals_of_bad_choices(client):
    await floor()
    first = await confirmed_order(("KEN-250", 1))
    second = await confirmed_order(("TS-M", 1))
    await picker(client)
    both = await client.post("/warehouse/pick", data=form(client, order=[str(first), str(second)], action="one"))
    assert both.status_code == 422 and "соберите отмеченные заказы волной" in both.text
    assert re.search(rf'value="{first}"\s+checked', both.text)  # the ticks are kept
    nothing = await client.post("/warehouse/pick", data=form(client, action="wave"))
    assert nothing.status_code == 422 and "Выберите заказы для сборки" in texts(nothing.text)
    assert await PickList.count() == 0
    wave = await make_list(client, first, second, mode="location")
    members = await PickListOrder.select(PickListOrder.order, PickListOrder.position).where(
        PickListOrder.pick_list == wave).order_by(PickListOrder.position)
    assert [(m["order"], m["position"]) for m in members] == [(first, 1), (second, 2)]
    screen = await client.get(f"/warehouse/pick/{wave}")
    assert "по ячейкам" in screen.text and count_testid(screen.text, "pick-order") == 2
    taken = await client.post("/warehouse/pick", data=form(client, order=[str(first)], action="one"))
    assert taken.status_code == 409 and "уже собирается" in texts(taken.text)


async def test_scans_right_wrong_and_replayed_as_json(client):
    f = await floor()
    order = await confirmed_order(("KEN-250", 2))
    await picker(client)
    pick_list = await make_list(client, order)
    right = await send_scan(client, pick_list, f.codes["KEN-250"], uid="scan-000000001")
    assert right.status_code == 200, right.text
    body = right.json()
    assert body["accepted"] and body["picked"] == 1 and body["qty"] == 2 and body["kind"] == "ok"
    assert body["message"] == "Кения АА, зерно: 1 из 2" and body["msgid"] == "%(name)s: %(picked)s of %(qty)s"
    wrong = await send_scan(client, pick_list, f.codes["KEN-250-M"])
    assert wrong.status_code == 200
    refused = wrong.json()
    assert not refused["accepted"] and refused["result"] == "other_variant" and refused["kind"] == "error"
    assert "другой вариант" in refused["message"]
    replay = await send_scan(client, pick_list, f.codes["KEN-250"], uid="scan-000000001")
    assert replay.status_code == 200 and replay.json()["replayed"] and replay.json()["picked"] == 1
    assert (await PickLine.select(PickLine.picked).first())["picked"] == 1  # counted once
    assert await PickScan.count() == 2  # the right one and the wrong one: the replay added nothing


async def test_marked_and_serial_goods_over_json(client):
    f = await floor()
    await confirmed_order(("TS-M", 1), ("GR-1", 1))
    await picker(client)
    pick_list = await make_list(client, *[o["id"] for o in await Order.select(Order.id)])
    plain = (await send_scan(client, pick_list, f.codes["TS-M"])).json()
    assert plain["result"] == "marking_needed" and "DataMatrix" in plain["message"]
    cut = (await send_scan(client, pick_list, MARKING["scanner_variants_of_first_code"]["crypto_tail_cut_off"])).json()
    assert cut["result"] == "marking_incomplete"
    unit = (await send_scan(client, pick_list, SHOE_CODE)).json()
    assert unit["accepted"] and unit["picked"] == 1
    again = (await send_scan(client, pick_list, marked_code("Ab3+Cd5-eF7gH"))).json()
    assert again["result"] == "marking_reused" and not again["accepted"]
    ask = (await send_scan(client, pick_list, f.codes["GR-1"])).json()
    assert ask["result"] == "needs_serial" and ask["kind"] == "warn"
    done = (await send_scan(client, pick_list, f.codes["GR-1"], serial="SN-77")).json()
    assert done["accepted"] and done["list_complete"]


@pytest.mark.parametrize("body, field", [
    ({"uuid": "short", "code": "4600000000000"}, "client_uuid"),
    ({"uuid": "scan-00000009", "code": "   "}, "code"),
    ({"uuid": "scan-00000010", "code": "x", "scanned_at": "2026-12-06T08:00:00"}, "scanned_at"),
])
async def test_malformed_scans_are_problem_json_and_change_nothing(client, body, field):
    await floor()
    await picker(client)
    pick_list = await make_list(client, await confirmed_order(("KEN-250", 1)))
    answer = await client.post(f"/warehouse/pick/{pick_list}/scans", json=body, headers={**JSON, **csrf_headers(client)})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == field and answer.json()["detail"]
    assert await PickScan.count() == 0


async def test_bodies_that_are_not_scans_are_4xx_problem_json_never_500(client):
    await floor()
    await picker(client)
    pick_list = await make_list(client, await confirmed_order(("KEN-250", 1)))
    url = f"/warehouse/pick/{pick_list}/scans"
    headers = {**JSON, **csrf_headers(client), "Content-Type": "application/json"}
    for raw in (b"{not json", b"[]", b'{"uuid": "scan-00000001"}', b'{"uuid": 5, "code": 7}', b""):
        answer = await client.post(url, content=raw, headers=headers)
        assert 400 <= answer.status_code < 500, (raw, answer.status_code, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json"), raw
        assert answer.json()["detail"], raw
    missing = await client.post("/warehouse/pick/999999/scans", json={"uuid": "scan-00000002", "code": "1"},
                                headers={**JSON, **csrf_headers(client)})
    assert missing.status_code == 404 and missing.json()["type"].endswith("not_found")
    no_token = await client.post(url, json={"uuid": "scan-00000003", "code": "1"}, headers=JSON)
    assert no_token.status_code == 403 and no_token.headers["content-type"].startswith("application/problem+json")
    assert await PickScan.count() == 0


async def test_completing_twice_packs_once_and_the_screen_links_the_slip(client):
    f = await floor()
    order = await confirmed_order(("KEN-250", 1))
    await picker(client)
    pick_list = await make_list(client, order)
    early = await client.post(f"/warehouse/pick/{pick_list}/complete", headers={**JSON, **csrf_headers(client)})
    assert early.status_code == 409 and early.json()["errors"][0]["detail"].startswith("Заказ")
    assert (await send_scan(client, pick_list, f.codes["KEN-250"])).json()["list_complete"]
    done = await client.post(f"/warehouse/pick/{pick_list}/complete", headers={**JSON, **csrf_headers(client)})
    assert done.status_code == 200 and done.json()["packed"] and not done.json()["already"]
    assert await _status(order) == "packed"
    twice = await client.post(f"/warehouse/pick/{pick_list}/complete", data=form(client), follow_redirects=False)
    assert twice.status_code == 303 and twice.headers["location"] == f"/warehouse/pick/{pick_list}"
    screen = await client.get(f"/warehouse/pick/{pick_list}")
    assert "уже завершён" in texts(screen.text)  # the flash of the second tap
    assert f"/warehouse/orders/{order}/slip" in screen.text and "Собран" in by_testid(screen.text, "order-status")
    assert await _status(order) == "packed"


async def test_a_cancelled_order_is_struck_out_and_its_scans_refused(client):
    f = await floor()
    order = await confirmed_order(("KEN-250", 2))
    await picker(client)
    pick_list = await make_list(client, order)
    assert (await send_scan(client, pick_list, f.codes["KEN-250"])).json()["accepted"]
    await change_status(order, "cancelled", actor="manager")
    refused = (await send_scan(client, pick_list, f.codes["KEN-250"])).json()
    assert refused["result"] == "order_cancelled" and "верните" in refused["message"]
    screen = await client.get(f"/warehouse/pick/{pick_list}")
    assert re.search(r'id="pick-cancelled"[^>]*>\s*<li class="pick-line"', screen.text)
    assert "Отменён" in by_testid(screen.text, "order-status")


async def test_the_mode_can_change_on_the_screen(client):
    await floor()
    await picker(client)
    pick_list = await make_list(client, await confirmed_order(("KEN-250", 1)))
    answer = await client.post(f"/warehouse/pick/{pick_list}/mode", data=form(client, mode="location"),
                               follow_redirects=False)
    assert answer.status_code == 303
    assert (await PickList.select(PickList.mode).first())["mode"] == "location"
    bad = await client.post(f"/warehouse/pick/{pick_list}/mode", data=form(client, mode="fly"))
    assert bad.status_code == 200 and "режим сборки fly" in texts(bad.text)  # said on the screen
    assert (await PickList.select(PickList.mode).first())["mode"] == "location"


async def test_the_live_stream_without_event_stream_goes_home(client):
    await picker(client)
    answer = await client.get("/warehouse/live", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/warehouse/"


@pytest.mark.parametrize("role", ["courier", "cashier"])
async def test_couriers_and_cashiers_may_not_pick(client, role):
    f = await floor()
    order = await confirmed_order(("KEN-250", 1))
    await sign_in(client, role)
    assert (await client.get("/warehouse/")).status_code == 403
    created = await client.post("/warehouse/pick", data=form(client, order=[str(order)], action="one"))
    assert created.status_code == 403 and await PickList.count() == 0
    scan = await client.post("/warehouse/pick/1/scans", json={"uuid": "scan-00000001", "code": f.codes["KEN-250"]},
                             headers={**JSON, **csrf_headers(client)})
    assert scan.status_code == 403 and scan.headers["content-type"].startswith("application/problem+json")


async def test_a_page_script_whose_session_ended_gets_a_401_problem_not_the_login_page(client):
    await client.get("/login")  # the CSRF cookie, as the page had it
    data = await client.get("/warehouse/pick/1/data", headers=JSON, follow_redirects=False)
    assert data.status_code == 401 and data.headers["content-type"].startswith("application/problem+json")
    assert data.json()["detail"] == "Войдите, чтобы продолжить" and "www-authenticate" not in data.headers
    scan = await client.post("/warehouse/pick/1/scans", json={"uuid": "scan-00000001", "code": "1"},
                             headers={**JSON, **csrf_headers(client)}, follow_redirects=False)
    assert scan.status_code == 401 and scan.json()["status"] == 401
    page = await client.get("/warehouse/pick/1", follow_redirects=False)  # a person's browser: the login form
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
