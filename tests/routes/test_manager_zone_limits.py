"""The zones screen edits a zone's booking limits — the cut-off in minutes, the same-day time, the orders
per slot —: nonsense re-renders the form with the Russian reason and saves nothing; the list shows them;
GeoJSON export carries them and import reads them, a file without them still imports; an order for a
full slot is marked on the board and explained on the card."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from server.domain.zones.fields import ZoneInput
from server.domain.zones.zones import create_zone, get_zone, list_zones
from tests.domain.zones.zone_helpers import CENTRE, box, collection, feature
from tests.routes.manager_helpers import (
    board_row,
    count_testid,
    csrf,
    form_fields,
    post_fields,
    replace,
    sign_in,
    texts,
)
from tests.routes.zone_order_helpers import courier_order

URL = "/manager/zones"


def _zone_form(page: str, **values: str) -> list[tuple[str, str]]:
    fields = [f for f in form_fields(page, None) if f[0] not in ("file", "replace")]
    for name, value in values.items():
        fields = replace(fields, name, value)
    return fields


async def test_bad_limits_re_render_the_form_in_russian_and_nothing_is_saved(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    for minutes, when, capacity in (("-5", "25:00", "0"), ("два часа", "14-00", "много"), ("99999", "", "-1")):
        fields = _zone_form(page.text, name="Центр", geometry=json.dumps(box(*CENTRE)), cutoff_minutes=minutes,
                            cutoff_time=when, slot_capacity=capacity)
        response = await post_fields(client, URL, fields)
        assert response.status_code == 422, (minutes, when, capacity)
        text = texts(response.text)
        assert "Срок приёма — целое число минут от 0 до 10080" in text
        assert "Заказов на интервал — целое число от 1 до 100000" in text
        assert ("Время приёма заказов на сегодня записывается как 14:00" in text) == bool(when)
        assert f'value="{minutes}"' in response.text and 'aria-describedby="z-cutoff-hint z-cutoff-err"' in response.text
        assert await list_zones() == []


async def test_the_limits_are_saved_shown_edited_and_cleared(client):
    await sign_in(client, "manager")
    page = await client.get(URL)
    fields = _zone_form(page.text, name="Центр", geometry=json.dumps(box(*CENTRE)), cutoff_minutes="120",
                        cutoff_time="9:30", slot_capacity="20")
    assert (await post_fields(client, URL, fields)).status_code == 303
    (zone,) = await list_zones()
    assert (zone["cutoff_minutes"], zone["cutoff_time"], zone["slot_capacity"]) == (120, "09:30", 20)
    listed = await client.get(URL)
    row = listed.text.split('data-testid="zone-limits"')[1].split("</td>")[0]
    assert texts(row).strip(">").strip() == "приём за 120 мин до начала, на сегодня до 09:30, заказов на интервал: 20"
    edit = await client.get(f"{URL}/{zone['id']}")
    assert 'value="120"' in edit.text and 'value="09:30"' in edit.text and 'value="20"' in edit.text
    cleared = _zone_form(edit.text, cutoff_minutes="", cutoff_time="", slot_capacity="")
    assert (await post_fields(client, f"{URL}/{zone['id']}", cleared)).status_code == 303
    zone = await get_zone(zone["id"])
    assert (zone["cutoff_minutes"], zone["cutoff_time"], zone["slot_capacity"]) == (None, "", None)


async def _upload(client, text: str):
    return await client.post(f"{URL}/import", data={"_csrf_token": csrf(client)},
                             files={"file": ("zones.geojson", text.encode(), "application/geo+json")},
                             follow_redirects=False)


async def test_geojson_carries_the_limits_and_an_old_file_still_imports(client):
    await sign_in(client, "manager")
    await client.get(URL)
    bad = collection(feature("Центр", box(*CENTRE), cutoff_minutes=-1, slot_capacity="много"),
                     feature("Юг", box(55.6, 37.6), cutoff_time="вечером"))
    response = await _upload(client, bad)
    assert response.status_code == 422
    errors = texts(response.text.split('data-testid="import-errors"')[1].split("</div>")[0])
    assert "Объект 1 «Центр»: Срок приёма" in errors and "Объект 1 «Центр»: Заказов на интервал" in errors
    assert "Объект 2 «Юг»: Время приёма заказов на сегодня" in errors
    assert await list_zones() == []
    good = collection(feature("Центр", box(*CENTRE), cutoff_minutes=90.0, cutoff_time="13:00", slot_capacity=15),
                      feature("Юг", box(55.6, 37.6)))  # as files were before the limits
    assert (await _upload(client, good)).status_code == 303
    zones = {z["name"]: z for z in await list_zones()}
    assert (zones["Центр"]["cutoff_minutes"], zones["Центр"]["cutoff_time"], zones["Центр"]["slot_capacity"]) == (
        90, "13:00", 15)
    assert (zones["Юг"]["cutoff_minutes"], zones["Юг"]["cutoff_time"], zones["Юг"]["slot_capacity"]) == (None, "", None)
    exported = json.loads((await client.get(f"{URL}/export.geojson")).text)
    props = {f["properties"]["name"]: f["properties"] for f in exported["features"]}
    assert {k: props["Центр"][k] for k in ("cutoff_minutes", "cutoff_time", "slot_capacity")} == {
        "cutoff_minutes": 90, "cutoff_time": "13:00", "slot_capacity": 15}
    assert (props["Юг"]["cutoff_minutes"], props["Юг"]["slot_capacity"]) == (None, None)
    again = await _upload(client, json.dumps(exported, ensure_ascii=False))  # what was exported imports back
    assert again.status_code == 303 and {z["name"]: z["slot_capacity"] for z in await list_zones()} == {
        "Центр": 15, "Юг": None}


async def test_an_order_for_a_full_slot_is_marked_on_the_board_and_explained_on_the_card(client):
    await create_zone(ZoneInput(name="Центр", geometry=box(*CENTRE), slots=[["10:00", "14:00"]], slot_capacity=1),
                      actor="test")
    start, end = datetime(2030, 12, 16, 7, 0, tzinfo=UTC), datetime(2030, 12, 16, 8, 0, tzinfo=UTC)
    first, late = await courier_order(start, end), await courier_order(start, end)
    await sign_in(client, "manager")
    board = await client.get("/manager/orders")
    row = board_row(board.text, late)
    assert count_testid(row, "order-zone-problem") == 1 and 'data-kind="slot_full"' in row
    assert "интервал заполнен" in texts(row)
    assert "order-zone-problem" not in board_row(board.text, first)
    card = await client.get(f"/manager/orders/{late}")
    assert 'data-testid="order-zone-slot-full"' in card.text
    assert "Интервал 10:00–14:00 16.12.2030 заполнен (заказов на интервал в зоне не больше: 1)" in texts(
        card.text)
