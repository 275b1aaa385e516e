"""The demo's delivery zones: valid, over Moscow, every demo street but the far-north one inside a zone."""

from __future__ import annotations

from server.demo.people import STREETS
from server.demo.zones import ZONES, load_zones, set_default_couriers
from server.domain.users.accounts import create_user
from server.domain.zones.index import zone_at
from server.domain.zones.zones import list_zones


async def test_demo_zones_cover_the_demo_addresses_but_one():
    ids = await load_zones()
    assert len(ids) == len(ZONES) and 5 <= len(ids) <= 8
    outside = []
    for street, lat, lon in STREETS:
        for dlat, dlon in ((-0.004, -0.006), (0.004, 0.006), (0, 0), (0.004, -0.006), (-0.004, 0.006)):
            if await zone_at(lat + dlat, lon + dlon) is None:
                outside.append(street)
    assert set(outside) == {"ул. Дубнинская"}
    assert (await zone_at(55.7558, 37.6173))["name"] == "Центр"  # the centre is on top of its quarter
    await create_user("courier", "demo", ["courier"])
    await set_default_couriers(ids)
    zones = {z["name"]: z for z in await list_zones()}
    assert zones["Север-Восток"]["default_couriers"] == ["courier"]
    assert zones["Центр"]["default_couriers"] == []  # courier3/courier4 do not exist here
    assert await load_zones() == []  # loaded again next to them: the shop's zones of those names are kept
