"""The shortages screen: open demand per variant with its orders; re-reserving one order and everything
that has arrived (oldest order first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from customer_helpers import receive, stocked, take
from manager_helpers import by_testid, count_testid

from server.domain.orders.tables import OrderLine
from server.domain.users.accounts import create_user
from tests.routes.admin_helpers import post_form, sign_in


async def _reserved(order_id: int) -> int:
    return sum(r["reserved"] for r in await OrderLine.select(OrderLine.reserved).where(OrderLine.order == order_id))


async def test_a_manager_sees_shortages_and_re_reserves_one_order_then_all_that_arrived(client):
    goods = await stocked(("KEN-250", 2), ("TEA", 5))
    old = await take(("KEN-250", 3), ("TEA", 1), placed_at=datetime.now(UTC) - timedelta(days=2))  # 2 of 3 reserved
    mid = await take(("KEN-250", 2), placed_at=datetime.now(UTC) - timedelta(days=1))
    new = await take(("KEN-250", 4))
    await create_user("olga", "demo", ["manager"])
    await sign_in(client, "olga")

    page = await client.get("/manager/shortages")
    assert page.status_code == 200
    assert count_testid(page.text, "shortage") == 1 and 'data-sku="KEN-250"' in page.text  # the tea is reserved
    assert by_testid(page.text, "shortage-orders") == ["3"]
    assert count_testid(page.text, "shortage-order") == 3
    assert page.text.index(f'href="/manager/orders/{old.order_id}"') < page.text.index(
        f'href="/manager/orders/{new.order_id}"')  # oldest first
    assert 'data-testid="nothing-arrived"' in page.text
    nothing = await post_form(client, f"/manager/shortages/orders/{mid.order_id}/rereserve", {"number": mid.number})
    assert nothing.status_code == 303 and await _reserved(mid.order_id) == 0
    assert "новых поступлений нет" in (await client.get("/manager/shortages")).text

    await receive(goods["wh"], goods["KEN-250"], 4)  # 4 arrive: 1 for the oldest, 2 for the next, 1 for the newest
    one = await post_form(client, f"/manager/shortages/orders/{mid.order_id}/rereserve", {"number": mid.number})
    assert one.status_code == 303 and one.headers["location"] == "/manager/shortages"
    assert await _reserved(mid.order_id) == 2  # a manager may serve a later order first, by hand
    assert f"Заказ {mid.number}: дополнительно зарезервировано 2 шт." in (await client.get("/manager/shortages")).text

    everything = await post_form(client, "/manager/shortages/rereserve-arrived", {})
    assert everything.status_code == 303
    assert (await _reserved(old.order_id), await _reserved(new.order_id)) == (4, 1)  # the oldest order first
    after = await client.get("/manager/shortages")
    assert "Зарезервировано 2 шт. для заказов: 2" in after.text
    assert count_testid(after.text, "shortage-order") == 1 and by_testid(after.text, "shortage-orders") == ["1"]

    await take(("TEA", 1))  # nothing is short of tea
    quiet = await post_form(client, "/manager/shortages/rereserve-arrived", {})
    assert quiet.status_code == 303
    assert "ничего не поступило" in (await client.get("/manager/shortages")).text


async def test_cashiers_do_not_see_shortages_and_an_empty_list_says_so(client):
    await create_user("kassa", "demo", ["cashier"])
    await create_user("olga", "demo", ["manager"])
    await sign_in(client, "kassa")
    assert (await client.get("/manager/shortages")).status_code == 403
    await client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken") or ""})
    await sign_in(client, "olga")
    page = await client.get("/manager/shortages")
    assert page.status_code == 200 and 'data-testid="no-shortages"' in page.text
    missing = await post_form(client, "/manager/shortages/orders/999/rereserve", {})
    assert missing.status_code == 303
    assert "не найден" in (await client.get("/manager/shortages")).text
