"""CommerceML order documents ⇄ our orders: the fixture orders of a Bitrix site and of 1C taken in
(once, however often they arrive), their states applied, and our orders written back as documents."""

from __future__ import annotations

import pytest

from server.domain.channels.channels import create_channel, get_channel
from server.domain.exchange.order_sync import ack_sent, mark_sent, pending_orders
from server.domain.exchange.refs import save_refs
from server.domain.orders.queries import get_order
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order
from server.errors import ValidationFailed
from server.integrations.commerceml import parse_document, parse_orders
from server.integrations.commerceml.catalog_export import own_id, parse_own_id
from server.integrations.commerceml.orders_map import incoming_order, remote_state
from server.integrations.commerceml.remote_orders import orders_document, take_remote_order
from tests.domain.stock_helpers import make_variant, make_warehouse, receive
from tests.integrations.commerceml_helpers import fixture

BITRIX = fixture("cml205_bitrix_sale_query_cp1251.xml")
ORDERS_1C = fixture("cml203_orders_1c_official.xml")
ORDERS_CP1251 = fixture("cml203_orders_cp1251.xml")


async def goods_for(*docs: bytes, stock: int = 5) -> dict[str, int]:
    """A variant (with stock) for every goods line of the documents, mapped by the line's Ид."""
    wh = await make_warehouse("MAIN")
    made: dict[str, int] = {}
    for data in docs:
        for order in parse_orders(data):
            for line in order.lines:
                if line.id != "ORDER_DELIVERY" and line.id not in made:
                    made[line.id] = await make_variant(f"SKU-{len(made) + 1}")
                    await receive(wh, (made[line.id], stock, 10000))
    await save_refs("1c", "variant", [(ext, vid, "") for ext, vid in made.items()])
    return made


def test_own_ids_read_back():
    assert parse_own_id(own_id("variant", 42)) == ("variant", 42)
    assert parse_own_id(own_id("product", 7).upper()) == ("product", 7)
    assert parse_own_id("910e89e5-205e-4d95-872a-0a0255c42f02") is None


async def test_the_bitrix_query_answer_becomes_orders_once():
    made = await goods_for(BITRIX)
    site = await create_channel("site", "Сайт", "commerceml_site")
    docs = parse_orders(BITRIX)
    first = await incoming_order(docs[1], "site", source="1c", tz="Europe/Moscow")
    assert first.intake.external_id == "133" and len(first.intake.lines) == 7
    line = first.intake.lines[0]
    assert (line.variant_id, line.qty, line.price, line.discount) == (
        made["7c1bded0-8a29-40c9-a4f6-f63c6a30d3e9"], 1, 29579, 0)
    assert first.intake.lines[1].qty == 2 and first.intake.lines[1].price == 178896
    assert first.intake.payment.method == "prepaid_online" and first.intake.payment.paid == 0
    assert first.intake.delivery.method == "pickup"
    assert first.intake.placed_at.isoformat() == "2021-02-12T06:11:04+00:00"  # 09:11:04 in Moscow
    assert first.state.status is None and not first.state.cancelled
    for _ in range(2):  # the site answers the same orders again: nothing new
        for doc in docs:
            taken = await take_remote_order(site, doc, actor="test")
            assert taken is not None
    rows = await Order.select(Order.external_id, Order.total, Order.comment).where(Order.channel == "site").order_by(
        Order.external_id)
    assert [(r["external_id"], r["total"]) for r in rows] == [("132", 23174), ("133", 1438058)]
    assert "Я повелитель порошочков" in rows[0]["comment"]
    assert await pending_orders("site", own_only=True) == []  # nothing to echo back


async def test_delivery_lines_payment_and_final_status_from_1c():
    await goods_for(ORDERS_CP1251, ORDERS_1C)
    onec = await create_channel("acc", "1С", "commerceml_1c")
    doc = parse_orders(ORDERS_CP1251)[0]
    incoming = await incoming_order(doc, "acc", source="1c", tz="Europe/Moscow")
    assert incoming.intake.delivery.cost == 34800 and len(incoming.intake.lines) == 1
    assert incoming.intake.customer.name == "Петр Петров"
    assert incoming.state.paid and incoming.state.status == "delivered"
    taken = await take_remote_order(onec, doc, actor="test")
    order = await get_order(taken.order_id)
    assert (order["total"], order["paid"], order["totals"]["delivery"]) == (968342, 968342, 34800)
    assert order["status"] == "delivered" and taken.changed[-1] == "delivered"
    official = parse_orders(ORDERS_1C)
    assert official[0].lines[0].id == "ORDER_DELIVERY"
    made = await take_remote_order(onec, official[0], actor="test")
    assert (await get_order(made.order_id))["totals"]["delivery"] == 34000
    assert await take_remote_order(onec, official[1], actor="test") is None  # a change of an order we lack


async def test_an_unknown_line_refuses_the_order_and_names_it():
    await make_warehouse("MAIN")
    site = await create_channel("site", "Сайт", "commerceml_site")
    with pytest.raises(ValidationFailed) as caught:
        await take_remote_order(site, parse_orders(BITRIX)[0], actor="test")
    assert "910e89e5-205e-4d95-872a-0a0255c42f02" in str(caught.value.params)
    assert await Order.count() == 0


async def test_remote_states_map_to_ours():
    doc = parse_orders(BITRIX)[0]
    doc.requisites = [r for r in doc.requisites if not r.name.startswith("Статус")]
    assert remote_state(doc).status is None
    doc.requisites.append(type(doc.requisites[0])("Статус заказа", "[P] Оплачен, формируется к отправке"))
    assert remote_state(doc).status == "confirmed"
    assert remote_state(doc, status_map={"P": "packed"}).status == "packed"
    doc.requisites.append(type(doc.requisites[0])("Отменен", "true"))
    doc.requisites = [r for r in doc.requisites if not (r.name == "Отменен" and r.value == "false")]
    assert remote_state(doc).cancelled


async def test_our_order_as_a_document_and_status_changes_back():
    made = await goods_for(BITRIX)
    site = await create_channel("site", "Сайт", "commerceml_site")
    taken = await take_remote_order(site, parse_orders(BITRIX)[1], actor="test")
    await change_status(taken.order_id, "confirmed", actor="manager")
    assert await pending_orders("site", own_only=True) == [taken.order_id]
    data = await orders_document(await get_channel("site"), [taken.order_id], encoding="windows-1251")
    assert data.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    doc = parse_document(data).orders[0]
    assert (doc.id, doc.number, doc.total) == ("133", "133", 1438058)
    assert doc.requisite("Статус заказа ИД") == "P" and doc.requisite("Отменен") == "false"
    assert {line.id for line in doc.lines} <= set(made) | {"ORDER_DELIVERY"}
    await mark_sent("site", [taken.order_id])
    assert await ack_sent("site") == 1
    assert await pending_orders("site", own_only=True) == []
    back = remote_state(doc)
    assert back.status == "confirmed" and not back.paid
