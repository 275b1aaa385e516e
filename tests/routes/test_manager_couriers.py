"""The manager's couriers screen: only managers (and the owner), a new courier in kilograms and litres
stored as grams and cm³, a courier with no capacity refused with a clear message, editing, the depot."""

from __future__ import annotations

from server.domain.delivery.tables import Courier
from server.domain.stock.tables import Warehouse
from server.domain.stock.warehouses import create_warehouse
from server.domain.users.accounts import create_user
from server.domain.users.tables import User
from tests.routes.manager_helpers import form, sign_in

BASE = "/manager/couriers"


async def _setup() -> tuple[int, int]:
    wh = await create_warehouse("MAIN", "Основной склад")
    await create_user("ivan", "courier-password-1", ["courier"], full_name="Иван Курьеров")
    await create_user("picker1", "picker-password-1", ["picker"])
    user = await User.select(User.id).where(User.username == "ivan").first()
    return wh, user["id"]


def _fields(client, user_id, wh, **changes) -> dict:
    data = {"user_id": str(user_id), "name": "Иван Курьеров", "phone": "+79160000001", "vehicle": "Lada Largus",
            "capacity_kg": "350,5", "capacity_l": "1200", "shift_start": "09:00", "shift_end": "21:00",
            "warehouse_id": str(wh), "active": "on"}
    return form(client, **{**data, **changes})


async def test_pickers_and_cashiers_do_not_see_couriers(client):
    await sign_in(client, "picker")
    assert (await client.get(BASE, follow_redirects=False)).status_code == 403


async def test_a_manager_adds_a_courier_in_kilograms_and_litres_and_edits_them(client):
    wh, user_id = await _setup()
    await sign_in(client, "manager")
    empty = await client.get(BASE)
    assert empty.status_code == 200 and 'data-testid="couriers-empty"' in empty.text
    new = await client.get(f"{BASE}/new")
    assert new.status_code == 200 and "Иван Курьеров (ivan)" in new.text and "picker1" not in new.text
    created = await client.post(f"{BASE}/new", data=_fields(client, user_id, wh), follow_redirects=False)
    assert created.status_code in (302, 303), created.text[:500]
    row = await Courier.select().first()
    assert (row["capacity_weight_g"], row["capacity_volume_cm3"], row["user"]) == (350_500, 1_200_000, user_id)
    listing = await client.get(BASE)
    assert 'data-login="ivan"' in listing.text and "350.5" in listing.text
    edit = await client.get(f"{BASE}/{row['id']}")
    assert 'value="350,5"' in edit.text and 'value="1200"' in edit.text
    saved = await client.post(f"{BASE}/{row['id']}", data=_fields(client, user_id, wh, shift_end="18:30", active=""),
                              follow_redirects=False)
    assert saved.status_code in (302, 303)
    row = await Courier.select().first()
    assert (row["shift_end"], row["active"]) == ("18:30", False)


async def test_a_courier_with_no_capacity_or_a_bad_shift_is_refused_with_clear_messages(client):
    wh, user_id = await _setup()
    await sign_in(client, "manager")
    bad = await client.post(f"{BASE}/new", data=_fields(client, user_id, wh, capacity_kg="0", capacity_l="abc",
                                                        shift_end="08:00"))
    assert bad.status_code == 422
    assert "Курьер без вместимости не может возить заказы" in bad.text and 'aria-invalid="true"' in bad.text
    assert "Смена должна заканчиваться позже, чем начинается" in bad.text
    picker = await User.select(User.id).where(User.username == "picker1").first()
    not_courier = await client.post(f"{BASE}/new", data=_fields(client, picker["id"], wh))
    assert not_courier.status_code == 422 and "нет роли курьера" in not_courier.text
    assert await Courier.count() == 0


async def test_the_depot_point_is_set_checked_and_cleared(client):
    wh, _ = await _setup()
    await sign_in(client, "manager")
    ok = await client.post(f"{BASE}/depot/{wh}", data=form(client, point="55.7558, 37.6173"), follow_redirects=False)
    assert ok.status_code in (302, 303)
    row = await Warehouse.select().where(Warehouse.id == wh).first()
    assert (row["lat"], row["lon"]) == (55.7558, 37.6173)
    bad = await client.post(f"{BASE}/depot/{wh}", data=form(client, point="95, 37"))
    assert bad.status_code == 422 and "Широта" in bad.text
    await client.post(f"{BASE}/depot/{wh}", data=form(client, point=""))
    row = await Warehouse.select().where(Warehouse.id == wh).first()
    assert row["lat"] is None


async def test_the_weekly_schedule_is_ticked_on_the_form_shown_in_the_list_and_none_ticked_is_refused(client):
    wh, user_id = await _setup()
    await sign_in(client, "manager")
    home = await client.get("/manager/")
    assert 'data-testid="nav-couriers"' in home.text and 'href="/manager/couriers"' in home.text
    new = await client.get(f"{BASE}/new")
    assert all(f'data-testid="courier-day-{d}"' in new.text for d in range(1, 8))
    assert new.text.count('name="work_days" value=') == 7 and new.text.count("checked data-testid=\"courier-day-") == 7
    created = await client.post(f"{BASE}/new", data=_fields(client, user_id, wh, work_days_shown="1",
                                                            work_days=["1", "3", "5"]), follow_redirects=False)
    assert created.status_code in (302, 303), created.text[:500]
    row = await Courier.select().output(load_json=True).first()
    assert row["work_days"] == [1, 3, 5]
    listing = await client.get(BASE)
    assert "Пн Ср Пт" in listing.text
    edit = await client.get(f"{BASE}/{row['id']}")
    assert 'value="3" checked' in edit.text and 'value="2" checked' not in edit.text
    refused = await client.post(f"{BASE}/{row['id']}", data=_fields(client, user_id, wh, work_days_shown="1"),
                                follow_redirects=False)
    assert refused.status_code == 422 and "хотя бы один день недели" in refused.text
    assert (await Courier.select().output(load_json=True).first())["work_days"] == [1, 3, 5]
    plan = await client.get("/manager/delivery")
    assert plan.status_code == 200 and 'data-testid="delivery-couriers-link"' in plan.text
