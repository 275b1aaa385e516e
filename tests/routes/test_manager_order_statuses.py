"""The owner names the order statuses and chooses which of them notify the customer (with audit)."""

from __future__ import annotations

from manager_helpers import count_testid

from server.domain.audit.tables import AuditEntry
from server.domain.orders.settings import status_settings
from server.domain.users.accounts import create_user
from tests.routes.admin_helpers import post_form, sign_in


async def test_the_owner_renames_a_status_and_turns_its_notification_on(client):
    await create_user("boss", "demo", ["owner"])
    await sign_in(client, "boss")
    page = await client.get("/manager/order-statuses")
    assert page.status_code == 200 and count_testid(page.text, "order-status") == 9
    assert 'data-code="picking"' in page.text and "Собирается" in page.text

    renamed = await post_form(client, "/manager/order-statuses/confirmed/label", {"label": "  Принят   в работу "})
    assert renamed.status_code == 303 and renamed.headers["location"] == "/manager/order-statuses"
    turned = await post_form(client, "/manager/order-statuses/picking/notify", {"notify": "1"})
    assert turned.status_code == 303
    settings = await status_settings()
    assert (settings["confirmed"].label, settings["picking"].notify_customer) == ("Принят в работу", True)
    shown = await client.get("/manager/order-statuses")
    assert "Покупатели будут получать уведомление" in shown.text and 'value="Принят в работу"' in shown.text
    actions = {r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.actor == "boss")}
    assert {"order_status.rename", "order_status.notify"} <= actions

    empty = await post_form(client, "/manager/order-statuses/confirmed/label", {"label": "   "})
    assert empty.status_code == 422 and "Название статуса — от 1 до 100 символов" in empty.text
    assert 'id="label-confirmed"' in empty.text and 'aria-describedby="label-confirmed-err"' in empty.text
    assert (await status_settings())["confirmed"].label == "Принят в работу"
    unknown = await post_form(client, "/manager/order-statuses/lost/notify", {"notify": "1"})
    assert unknown.status_code == 422


async def test_managers_may_not_change_the_statuses(client):
    await create_user("olga", "demo", ["manager"])
    await sign_in(client, "olga")
    assert (await client.get("/manager/order-statuses")).status_code == 403
    refused = await post_form(client, "/manager/order-statuses/new/label", {"label": "Свежий"})
    assert refused.status_code == 403
    assert (await status_settings())["new"].label == "Новый"
