"""Customer cards: search, the card (contacts, orders, totals), merging two cards with a preview, and
the merges that are refused."""

from __future__ import annotations

import re

from customer_helpers import ANNA, stocked, take
from manager_helpers import HTMX, by_testid, count_testid, texts

from server.domain.audit.tables import AuditEntry
from server.domain.crm.tables import Customer
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.domain.users.accounts import create_user
from tests.routes.admin_helpers import post_form, sign_in


async def _anna_with_two_orders() -> tuple[int, list]:
    await stocked(("KEN-250", 10))
    first = await take(("KEN-250", 2), paid=178000)
    second = await take(("KEN-250", 1), customer={"name": "Иван Петров", "phone": "8 (916) 123 45 67"})
    cancelled = await take(("KEN-250", 1))
    await change_status(cancelled.order_id, "cancelled")
    customer = (await Order.select(Order.customer).where(Order.id == first.order_id).first())["customer"]
    return customer, [first, second, cancelled]


async def test_a_cashier_finds_a_customer_and_reads_the_card(client):
    customer, (first, second, cancelled) = await _anna_with_two_orders()
    await create_user("kassa", "demo", ["cashier"])
    await sign_in(client, "kassa")
    found = await client.get("/manager/customers?q=%2B7%20(916)%20123-45-67", headers=HTMX)  # the phone, any format
    assert found.status_code == 200 and "<html" not in found.text
    assert count_testid(found.text, "customer-row") == 1 and f'href="/manager/customers/{customer}"' in found.text
    assert count_testid((await client.get("/manager/customers?q=нетакого")).text, "customer-empty") == 1

    card = await client.get(f"/manager/customers/{customer}")
    assert card.status_code == 200
    text = texts(card.text)
    assert "Анна Петрова" in text and "+79161234567" in text and "anna@example.ru" in text
    assert [c.split(" ·")[0] for c in by_testid(card.text, "customer-contact")] == ["Иван Петров"]  # same phone
    assert count_testid(card.text, "customer-order") == 3
    for order in (first, second, cancelled):
        assert f'href="/manager/orders/{order.order_id}"' in card.text
    assert "Отменён" in text
    assert by_testid(card.text, "customer-order-count") == ["3"]
    assert by_testid(card.text, "customer-sum") == ["2\u202f670,00\u00a0₽"]  # 2 + 1 units; not the cancelled one
    assert by_testid(card.text, "customer-paid") == ["1\u202f780,00\u00a0₽"]
    assert 'data-testid="merge-link"' not in card.text  # cashiers do not merge
    assert (await client.get(f"/manager/customers/{customer}/merge")).status_code == 403
    assert (await client.get("/manager/customers/999999")).status_code == 404


async def test_a_manager_merges_two_cards_after_a_preview_and_a_second_merge_is_refused(client):
    keep, _orders = await _anna_with_two_orders()
    other = await take(("KEN-250", 1), customer={"name": "Анна П.", "email": "anna.work@example.ru",
                                                 "inn": "7707083893"})
    drop = (await Order.select(Order.customer).where(Order.id == other.order_id).first())["customer"]
    assert drop != keep
    await create_user("olga", "demo", ["manager"])
    await sign_in(client, "olga")

    search = await client.get(f"/manager/customers/{keep}/merge?q=anna", headers=HTMX)
    assert search.status_code == 200 and "<html" not in search.text
    assert [int(x) for x in re.findall(r'data-customer-id="(\d+)"', search.text)] == [drop]  # not itself

    preview = await client.get(f"/manager/customers/{keep}/merge?drop={drop}")
    assert preview.status_code == 200 and 'data-testid="merge-preview"' in preview.text
    text = texts(preview.text)
    assert "Заказов перейдёт: 1" in text and other.number in text
    assert "«Анна П.» станет контактным лицом этой карточки" in text
    assert "7707083893" in text and 'data-key="inn"' in preview.text and 'data-key="phone"' not in preview.text
    assert await Order.count().where(Order.customer == drop) == 1  # a preview changes nothing

    merged = await post_form(client, f"/manager/customers/{keep}/merge", {"drop_id": str(drop)})
    assert merged.status_code == 303 and merged.headers["location"] == f"/manager/customers/{keep}"
    card = await client.get(f"/manager/customers/{keep}")
    assert "Карточки объединены" in card.text and count_testid(card.text, "customer-order") == 4
    assert "Анна П." in [c.split(" ·")[0] for c in by_testid(card.text, "customer-contact")]
    row = await Customer.select().where(Customer.id == drop).first()
    assert row["merged_into"] == keep
    audit = await AuditEntry.select().where(AuditEntry.action == "customer.merge").first()
    assert audit is not None and audit["actor"] == "olga"
    dropped = await client.get(f"/manager/customers/{drop}")
    assert 'data-testid="customer-merged"' in dropped.text and f'href="/manager/customers/{keep}"' in dropped.text

    again = await post_form(client, f"/manager/customers/{keep}/merge", {"drop_id": str(drop)})
    assert again.status_code == 409 and "уже объединён" in again.text
    itself = await post_form(client, f"/manager/customers/{keep}/merge", {"drop_id": str(keep)})
    assert itself.status_code == 422 and "Нельзя объединить покупателя с самим собой" in itself.text
    refused_preview = await client.get(f"/manager/customers/{keep}/merge?drop={keep}")
    assert 'data-testid="merge-refused"' in refused_preview.text
    assert 'data-testid="merge-confirm"' not in refused_preview.text
    no_csrf = await client.post(f"/manager/customers/{keep}/merge", data={"drop_id": str(drop)}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert await AuditEntry.count().where(AuditEntry.action == "customer.merge") == 1
    assert ANNA["name"] in texts(card.text)
