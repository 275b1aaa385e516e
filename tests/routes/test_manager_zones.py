"""Manager PWA: the delivery zones screen — list and map data, a zone saved from the form (GeoJSON
pasted, as without JavaScript), errors re-rendered with the message and the typed values kept, CSRF,
import (atomic, every problem with its feature number) and export, who may; the order card's zone
and the manager's pin; the board's "outside the zones" flag and filter."""

from __future__ import annotations

import json

from server.domain.orders.dto import DeliveryInput
from server.domain.orders.intake import intake_order
from server.domain.zones.zones import list_zones
from tests.domain.zones.zone_helpers import CENTRE, box, collection, feature
from tests.routes.manager_helpers import count_testid, csrf, form_fields, post_fields, replace, sign_in, texts

URL = "/manager/zones"
SELF_CROSSING = {"type": "Polygon", "coordinates": [[[37.5, 55.7], [37.7, 55.8], [37.7, 55.7], [37.5, 55.8],
                                                     [37.5, 55.7]]]}


def _zone_form(page: str, **values: str) -> list[tuple[str, str]]:
    fields = [f for f in form_fields(page, None) if f[0] not in ("file", "replace")]
    for name, value in values.items():
        fields = replace(fields, name, value)
    return fields


async def test_create_a_zone_from_the_form_and_see_it_listed_and_mapped(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    assert page.status_code == 200 and 'data-zones-map' in page.text and "Зоны доставки" in page.text
    fields = _zone_form(page.text, name="Центр", price="300", min_order="1 500", slots="10:00-14:00, 18:00-22:00",
                        geometry=json.dumps(box(*CENTRE)))
    response = await post_fields(client, URL, fields)
    assert response.status_code == 303 and response.headers["location"] == URL
    after = await client.get(URL)
    assert "Зона «Центр» сохранена" in texts(after.text)
    assert count_testid(after.text, "zone-row") == 1
    row = after.text.split('data-testid="zone-row"')[1].split("</tr>")[0]
    assert "300,00" in texts(row) and "1 500,00" in texts(row).replace("\u00a0", " ") and "10:00–14:00" in row
    data = json.loads(after.text.split('id="zones-map-data">')[1].split("</script>")[0])
    assert data["zones"]["features"][0]["properties"]["name"] == "Центр"
    zone = (await list_zones())[0]
    assert (zone["delivery_price"], zone["min_order"], zone["days"]) == (30000, 150000, [1, 2, 3, 4, 5, 6, 7])


async def test_a_self_crossing_outline_re_renders_the_form_with_the_reason(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    fields = _zone_form(page.text, name="Бабочка", price="abc", geometry=json.dumps(SELF_CROSSING))
    response = await post_fields(client, URL, fields)
    assert response.status_code == 422
    text = texts(response.text)
    assert "Контур зоны пересекает сам себя" in text and "Сумма — от 0" in text
    assert 'value="Бабочка"' in response.text and 'aria-invalid="true"' in response.text
    assert await list_zones() == []


async def test_edit_and_delete_a_zone(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    await post_fields(client, URL, _zone_form(page.text, name="Центр", geometry=json.dumps(box(*CENTRE))))
    zone_id = (await list_zones())[0]["id"]
    edit = await client.get(f"{URL}/{zone_id}")
    assert edit.status_code == 200 and 'value="Центр"' in edit.text
    fields = [f for f in form_fields(edit.text, None) if f[0] not in ("file", "replace")]
    response = await post_fields(client, f"{URL}/{zone_id}", replace(fields, "name", "Центр-2"))
    assert response.status_code == 303
    assert [z["name"] for z in await list_zones()] == ["Центр-2"]
    gone = await post_fields(client, f"{URL}/{zone_id}/delete", [])
    assert gone.status_code == 303 and await list_zones() == []


async def test_post_without_csrf_is_refused(client):
    await sign_in(client, "manager")
    response = await client.post(URL, data={"name": "Центр", "geometry": json.dumps(box(*CENTRE))},
                                 follow_redirects=False)
    assert response.status_code == 403
    assert await list_zones() == []


async def _upload(client, text: str, replace_all: bool = False):
    data = {"_csrf_token": csrf(client)}
    if replace_all:
        data["replace"] = "1"
    return await client.post(f"{URL}/import", data=data, files={"file": ("zones.geojson", text.encode(),
                                                                         "application/geo+json")},
                             follow_redirects=False)


async def test_import_lists_every_problem_and_changes_nothing_then_imports_and_exports(client):
    await sign_in(client, "manager")
    await client.get(URL)
    bad = collection(feature("Центр", box(*CENTRE)), feature("Бабочка", SELF_CROSSING),
                     feature("Юг", box(55.6, 37.6), days=[9]))
    response = await _upload(client, bad)
    assert response.status_code == 422
    errors = response.text.split('data-testid="import-errors"')[1].split("</div>")[0]
    assert "Объект 2 «Бабочка»: Контур зоны пересекает сам себя" in texts(errors)
    assert "Объект 3 «Юг»: Дни доставки" in texts(errors)
    assert await list_zones() == []
    good = collection(feature("Центр", box(*CENTRE), price=300), feature("Юг", box(55.6, 37.6)))
    response = await _upload(client, good)
    assert response.status_code == 303
    assert sorted(z["name"] for z in await list_zones()) == ["Центр", "Юг"]
    exported = await client.get(f"{URL}/export.geojson")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    body = json.loads(exported.text)
    assert sorted(f["properties"]["name"] for f in body["features"]) == ["Центр", "Юг"]


async def test_only_managers_and_the_owner_open_the_zones(client):
    await sign_in(client, "cashier")
    assert (await client.get(URL, follow_redirects=False)).status_code == 403


async def _courier_order(lat, lon) -> int:
    from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake
    from tests.domain.stock_helpers import make_variants, make_warehouse, receive

    wh = await make_warehouse("MAIN")
    (variant,) = await make_variants("KEN-250")
    await receive(wh, (variant, 10, 10000))
    order = OrderIntake(channel="api", lines=[IntakeLine(sku="KEN-250", qty=1, price=89000)],
                        customer=CustomerInput(name="Анна Петрова", phone="+7 916 123-45-67"),
                        delivery=DeliveryInput(method="courier", address="Москва, ул. Тверская, д. 1", lat=lat,
                                               lon=lon))
    return (await intake_order(order)).order_id


async def test_order_card_shows_the_zone_and_the_minimum_warning(client):
    from server.domain.zones.fields import ZoneInput
    from server.domain.zones.zones import create_zone

    await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), delivery_price=30000, min_order=150000),
                      actor="test")
    order_id = await _courier_order(*CENTRE)
    await sign_in(client, "manager")
    card = await client.get(f"/manager/orders/{order_id}")
    info = texts(card.text.split('data-testid="order-zone-info"')[1].split("</p>")[0]).replace("\u00a0", " ")
    assert "Зона: Центр, доставка 300,00 ₽, мин. заказ 1 500,00 ₽" in info
    assert 'data-testid="order-zone-below-minimum"' in card.text and "меньше минимальной для зоны" in card.text


async def test_outside_is_flagged_on_the_board_and_the_pin_moves_it_into_a_zone(client):
    from server.domain.zones.fields import ZoneInput
    from server.domain.zones.zones import create_zone

    await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE)), actor="test")
    order_id = await _courier_order(10.0, 10.0)
    await sign_in(client, "manager")
    board = await client.get("/manager/orders?zone=outside")
    assert count_testid(board.text, "order-row") == 1 and 'data-testid="order-outside-zone"' in board.text
    card = await client.get(f"/manager/orders/{order_id}")
    assert 'data-testid="order-zone-outside"' in card.text and 'data-testid="order-pin-form"' in card.text
    refused = await post_fields(client, f"/manager/orders/{order_id}/pin", [("lat", "200"), ("lon", "37.6")])
    assert refused.status_code == 422 and "Широта — число от −90 до 90" in texts(refused.text)
    assert 'value="200"' in refused.text
    placed = await post_fields(client, f"/manager/orders/{order_id}/pin", [("lat", "55,7558"), ("lon", "37.6173")])
    assert placed.status_code == 303
    card = await client.get(f"/manager/orders/{order_id}")
    assert "Точка доставки сохранена: зона «Центр»" in texts(card.text)
    assert 'data-zone-status="in_zone"' in card.text
    assert count_testid((await client.get("/manager/orders?zone=outside")).text, "order-row") == 0


async def test_a_cashier_sees_the_card_but_cannot_place_the_pin(client):
    order_id = await _courier_order(None, None)
    await sign_in(client, "cashier")
    card = await client.get(f"/manager/orders/{order_id}")
    assert 'data-testid="order-zone-no-point"' in card.text and 'data-testid="order-pin-form"' not in card.text
    refused = await post_fields(client, f"/manager/orders/{order_id}/pin", [("lat", "55.7"), ("lon", "37.6")])
    assert refused.status_code == 403


async def test_find_by_the_address_fills_the_pin_form_without_saving(client):
    from server.domain.orders.tables import Order
    from server.domain.zones.geocoding import GeoPoint, use_geocoder

    class Fake:
        async def geocode(self, address):
            return GeoPoint(55.765, 37.605, "Тверская улица, Москва") if "Тверская" in address else None

    order_id = await _courier_order(None, None)
    await sign_in(client, "manager")
    card = await client.get(f"/manager/orders/{order_id}")
    assert 'data-testid="order-pin-locate"' not in card.text  # no geocoder configured: no button
    use_geocoder(Fake())
    try:
        card = await client.get(f"/manager/orders/{order_id}")
        assert 'data-testid="order-pin-locate"' in card.text
        found = await post_fields(client, f"/manager/orders/{order_id}/locate", [])
        assert found.status_code == 200 and "Найдено: Тверская улица, Москва" in texts(found.text)
        assert 'value="55.765"' in found.text and 'value="37.605"' in found.text
        row = await Order.select(Order.delivery_lat, Order.zone_status).where(Order.id == order_id).first()
        assert row == {"delivery_lat": None, "zone_status": "no_point"}  # nothing saved until the manager does
    finally:
        use_geocoder(None)
