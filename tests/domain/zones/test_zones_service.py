"""Zones in the database: create/change/delete checked and audited, overlaps, the GeoJSON import
(atomic, every problem with its feature number) and export, the index following the changes."""

from __future__ import annotations

import pytest
from zone_helpers import CENTRE, box, collection, feature, make_zone

from server.domain.audit.log import history
from server.domain.zones import index as zone_cache
from server.domain.zones.fields import ZoneInput
from server.domain.zones.geojson_io import import_geojson, zones_geojson
from server.domain.zones.index import zone_at
from server.domain.zones.tables import DeliveryZone
from server.domain.zones.zones import delete_zone, get_zone, list_zones, update_zone
from server.errors import ValidationFailed
from server.web.i18n import translate_error

SELF_CROSSING = {"type": "Polygon", "coordinates": [[[37.5, 55.7], [37.7, 55.8], [37.7, 55.7], [37.5, 55.8],
                                                     [37.5, 55.7]]]}


async def test_create_zone_stores_it_and_audits():
    zone_id = await make_zone("Центр", delivery_price=30000, min_order=150000, days=[1, 2, 3],
                              slots=[["14:00", "18:00"], ["10:00", "14:00"]], color="#FF0000")
    z = await get_zone(zone_id)
    assert (z["delivery_price"], z["min_order"], z["days"], z["color"]) == (30000, 150000, [1, 2, 3], "#ff0000")
    assert z["slots"] == [["10:00", "14:00"], ["14:00", "18:00"]]
    assert z["geometry"]["type"] == "Polygon"
    assert [h["action"] for h in await history("delivery_zone", zone_id)] == ["zone.create"]


async def test_self_intersecting_polygon_is_refused_with_the_place():
    with pytest.raises(ValidationFailed) as caught:
        await make_zone("Бабочка", SELF_CROSSING)
    text = translate_error(caught.value.message, caught.value.params, "ru")
    assert "пересекает" in text and "55.75" in text and "37.6" in text
    assert await DeliveryZone.count() == 0


@pytest.mark.parametrize(("geometry", "words"), [
    ({"type": "Point", "coordinates": [37.6, 55.7]}, "Polygon"),
    ({"type": "Polygon", "coordinates": [[[37.5, 55.7], [37.6, 55.7], [37.5, 55.7]]]}, "at least 3"),
    ({"type": "Polygon", "coordinates": [[[37.5, 55.7], [37.6, 55.7], [37.6, 55.8], [37.5, 55.8]]]}, "not closed"),
    ({"type": "Polygon", "coordinates": [[[37.5, 95.7], [37.6, 95.7], [37.6, 95.8], [37.5, 95.7]]]}, "latitude"),
    ({"type": "Polygon", "coordinates": [[[55.7, 37.5], [55.8, 37.5], [55.8, 37.7], [55.7, 37.5]]]}, "swapped"),
])
async def test_bad_geometry_says_why(geometry, words):
    from stock_helpers import make_warehouse

    from server.domain.stock.tables import Warehouse

    wh = await make_warehouse("MAIN")
    await Warehouse.update({Warehouse.lat: CENTRE[0], Warehouse.lon: CENTRE[1]}).where(Warehouse.id == wh)
    with pytest.raises(ValidationFailed) as caught:
        await make_zone("Плохая", geometry)
    messages = [str(p) for p in caught.value.problems] or [str(caught.value)]
    assert any(words in m for m in messages), messages


async def test_every_problem_of_a_zone_at_once():
    with pytest.raises(ValidationFailed) as caught:
        await make_zone("", SELF_CROSSING, days=[0], slots=[["18:00", "10:00"]], color="red",
                        default_couriers=["nobody"])
    fields = {p.field for p in caught.value.problems}
    assert {"name", "geometry", "days", "slots", "color", "default_couriers"} <= fields


async def test_duplicate_name_is_refused():
    await make_zone("Центр")
    with pytest.raises(ValidationFailed, match="already exists"):
        await make_zone("Центр", box(55.6, 37.5))


async def test_overlap_higher_priority_then_smaller_zone_wins():
    big = await make_zone("Большая", box(*CENTRE, half=0.2))
    small = await make_zone("Малая", box(*CENTRE, half=0.02))
    assert (await zone_at(*CENTRE))["id"] == small  # same priority: the smaller one
    assert (await zone_at(CENTRE[0] + 0.1, CENTRE[1]))["id"] == big
    await update_zone(big, ZoneInput(name="Большая", geometry=box(*CENTRE, half=0.2), priority=5), actor="test")
    assert (await zone_at(*CENTRE))["id"] == big  # the higher priority wins over the smaller
    assert await zone_at(10.0, 10.0) is None


async def test_index_follows_changes_and_is_not_rebuilt_without_them():
    zone_id = await make_zone("Центр")
    assert (await zone_at(*CENTRE))["id"] == zone_id
    builds = zone_cache._CACHE.builds
    for _ in range(3):
        await zone_at(*CENTRE)
    assert zone_cache._CACHE.builds == builds  # nothing changed: no reload
    await update_zone(zone_id, ZoneInput(name="Центр", geometry=box(55.0, 37.0), active=True), actor="test")
    assert await zone_at(*CENTRE) is None
    await delete_zone(zone_id, actor="test")
    assert await list_zones() == []


async def test_inactive_zone_is_not_used():
    await make_zone("Центр", active=False)
    assert await zone_at(*CENTRE) is None


async def test_import_creates_updates_and_exports_round_trip():
    await make_zone("Центр", delivery_price=10000)
    text = collection(feature("Центр", box(*CENTRE), price=300, min_order="1 500,50", days=[1, 5],
                              slots="10:00-14:00, 18:00–22:00", color="#00aa00"),
                      feature("Юг", box(55.6, 37.6), price=450.5))
    assert await import_geojson(text, actor="test") == {"created": 1, "updated": 1, "deleted": 0}
    zones = {z["name"]: z for z in await list_zones()}
    assert zones["Центр"]["delivery_price"] == 30000 and zones["Центр"]["min_order"] == 150050
    assert zones["Центр"]["slots"] == [["10:00", "14:00"], ["18:00", "22:00"]]
    assert zones["Юг"]["delivery_price"] == 45050
    exported = await zones_geojson()
    props = {f["properties"]["name"]: f["properties"] for f in exported["features"]}
    assert props["Центр"]["min_order"] == "1500.50" and props["Юг"]["price"] == "450.50"
    assert props["Центр"]["days"] == [1, 5]
    import json

    again = await import_geojson(json.dumps(exported), actor="test", replace=True)
    assert again == {"created": 0, "updated": 2, "deleted": 0}


async def test_import_with_replace_deletes_zones_not_in_the_file():
    await make_zone("Старая", box(55.9, 37.6))
    result = await import_geojson(collection(feature("Новая", box(*CENTRE))), actor="test", replace=True)
    assert result == {"created": 1, "updated": 0, "deleted": 1}
    assert [z["name"] for z in await list_zones()] == ["Новая"]


async def test_import_is_atomic_and_reports_every_feature():
    await make_zone("Центр", delivery_price=10000)
    text = collection(feature("Центр", box(*CENTRE), price=999),
                      feature("Бабочка", SELF_CROSSING),
                      feature("", box(55.6, 37.6)),
                      feature("Дубль", box(55.5, 37.6), price="много"),
                      feature("Дубль", box(55.4, 37.6)))
    with pytest.raises(ValidationFailed) as caught:
        await import_geojson(text, actor="test")
    by_feature = {}
    for p in caught.value.problems:
        by_feature.setdefault(p.params["feature"], []).append(str(p))
    assert sorted(by_feature) == [2, 3, 4, 5], by_feature
    assert any("crosses itself" in m for m in by_feature[2])
    assert any("name" in m for m in by_feature[3])
    assert any("roubles" in m for m in by_feature[4])
    assert any("also used by feature 4" in m for m in by_feature[5])
    zones = await list_zones()
    assert [(z["name"], z["delivery_price"]) for z in zones] == [("Центр", 10000)]  # nothing changed


@pytest.mark.parametrize("text", ["not json", '{"type": "Polygon"}', '{"type": "FeatureCollection", "features": []}',
                                  b"\xff\xfe"])
async def test_import_refuses_what_is_not_a_feature_collection(text):
    with pytest.raises(ValidationFailed) as caught:
        await import_geojson(text, actor="test")
    assert caught.value.field == "file"


async def test_zones_for_a_warehouse_map():
    from stock_helpers import make_warehouse

    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await make_zone("Все")
    await make_zone("Только SHOP", box(55.6, 37.6), warehouse_id=shop)
    assert [f["properties"]["name"] for f in (await zones_geojson(main))["features"]] == ["Все"]
    assert sorted(f["properties"]["name"] for f in (await zones_geojson(shop))["features"]) == ["Все", "Только SHOP"]
    assert (await zone_at(55.6, 37.6, main)) is None and (await zone_at(55.6, 37.6, shop))["name"] == "Только SHOP"
