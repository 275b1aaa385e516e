"""/api/v1/warehouses: create and change warehouses, add bins (one or a range walked like a snake),
change a bin, read the bins with what they hold; every refusal is a Russian problem document that
lists each problem and changes nothing."""

from __future__ import annotations

from api_helpers import assert_russian_problem, bearer, make_goods, warehouse

from server.domain.audit.log import history
from server.domain.audit.tables import AuditEntry
from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve
from server.domain.stock.tables import Bin, Warehouse
from tests.domain.stock_helpers import receive

URL = "/api/v1/warehouses"


async def _state() -> dict:
    return {"warehouses": await Warehouse.select().order_by(Warehouse.id), "bins": await Bin.select().order_by(Bin.id),
            "audit": await AuditEntry.count()}


async def _refused(client, method: str, url: str, body, headers, status: int, fields: set | None = None) -> dict:
    before = await _state()
    response = await client.request(method, url, json=body, headers=headers)
    problem = assert_russian_problem(response, status, fields=fields)
    assert await _state() == before
    return problem


async def test_a_new_shop_sets_up_its_warehouse_and_bins_through_the_api(client):
    headers = await bearer("manager")
    created = await client.post(URL, json={"code": "main", "name": "Основной склад", "address": "Москва"},
                                headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert {k: body[k] for k in ("code", "name", "active", "allow_negative", "open_bins", "on_hand", "value")} == {
        "code": "MAIN", "name": "Основной склад", "active": True, "allow_negative": False, "open_bins": 0,
        "on_hand": 0, "value": "0.00"}
    warehouse_id = body["id"]

    bins = await client.post(f"{URL}/{warehouse_id}/bins", headers=headers, json={
        "zone": "a", "racks": {"from": 1, "to": 2}, "shelves": {"from": 1, "to": 2}})
    assert bins.status_code == 201, bins.text
    assert bins.json()["count"] == 4
    assert [(b["address"], b["pick_seq"]) for b in bins.json()["bins"]] == [
        ("A-01-01", 10), ("A-01-02", 20), ("A-02-02", 30), ("A-02-01", 40)]
    single = await client.post(f"{URL}/{warehouse_id}/bins", json={"zone": "priem", "pick_seq": 5}, headers=headers)
    assert single.status_code == 201 and single.json()["bins"][0]["address"] == "PRIEM"
    (entry,) = await history("warehouse", warehouse_id, limit=1)
    assert entry["action"] == "bin.create_range" and entry["actor"] == "token:integration"

    listing = await client.get(URL, params={"bins": "true"}, headers=await bearer("picker", name="tsd"))
    assert listing.status_code == 200
    assert [b["address"] for b in listing.json()[0]["bins"]] == ["PRIEM", "A-01-01", "A-01-02", "A-02-02", "A-02-01"]

    variant = await make_goods("KEN-250")
    address_ids = {b["address"]: b["id"] for b in bins.json()["bins"]}
    await receive(warehouse_id, (variant, 6, 10050, address_ids["A-01-02"]))
    await reserve("order:1", warehouse_id, [ReserveRequest(variant, 2)])
    one = await client.get(f"{URL}/{warehouse_id}", headers=headers)
    assert {k: one.json()[k] for k in ("open_bins", "skus", "on_hand", "reserved", "value", "value_kopecks")} == {
        "open_bins": 5, "skus": 1, "on_hand": 6, "reserved": 2, "value": "603.00", "value_kopecks": 60300}
    page = await client.get(f"{URL}/{warehouse_id}/bins", params={"zone": "A", "limit": 2}, headers=headers)
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 4 and page.json()["next_offset"] == 2
    assert [(b["address"], b["skus"], b["on_hand"]) for b in page.json()["items"]] == [("A-01-01", 0, 0),
                                                                                      ("A-01-02", 1, 6)]


async def test_a_warehouse_is_changed_and_closing_it_with_stock_is_refused(client):
    headers = await bearer("manager")
    main, bins = await warehouse("MAIN", "A-01")
    variant = await make_goods("KEN-250")
    await receive(main, (variant, 3, 100, bins["A-01"]))
    changed = await client.patch(f"{URL}/{main}", json={"name": "Главный", "allow_negative": True}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["allow_negative"], changed.json()["code"]) == ("Главный", True,
                                                                                                  "MAIN")
    problem = await _refused(client, "PATCH", f"{URL}/{main}", {"active": False, "name": "Новое"}, headers, 409,
                             {"active"})
    assert problem["detail"] == ("На складе MAIN ещё лежит товар — позиций: 1, единиц: 3. Переместите или спишите "
                                 "его, прежде чем закрывать склад")
    assert problem["errors"][0]["units"] == 3 and problem["errors"][0]["skus"] == 1
    await _refused(client, "PATCH", f"{URL}/{main}", {"name": "", "address": "x" * 301}, headers, 422,
                   {"name", "address"})
    await _refused(client, "PATCH", f"{URL}/{main}", {"code": "NEW", "active": "no"}, headers, 400,
                   {"code", "active"})
    await _refused(client, "PATCH", f"{URL}/{main + 5}", {"name": "Где-то"}, headers, 404)

    empty, _bins = await warehouse("EMPTY")
    closed = await client.patch(f"{URL}/{empty}", json={"active": False}, headers=headers)
    assert closed.status_code == 200 and closed.json()["active"] is False
    await _refused(client, "POST", f"{URL}/{empty}/bins", {"zone": "A"}, headers, 409)


async def test_bad_warehouses_are_refused_with_every_problem(client):
    headers = await bearer("manager")
    await warehouse("MAIN")
    problem = await _refused(client, "POST", URL, {"code": 7, "colour": "red"}, headers, 400,
                             {"code", "colour", "name"})
    assert len(problem["errors"]) == 3  # code's type, the unknown field, the missing name
    await _refused(client, "POST", URL, {"code": "два слова", "name": ""}, headers, 422, {"code", "name"})
    problem = await _refused(client, "POST", URL, {"code": "main", "name": "Ещё один"}, headers, 409, {"code"})
    assert problem["detail"] == "Код склада MAIN уже занят"
    await _refused(client, "POST", URL, {"code": "X\u0000", "name": "Склад"}, headers, 400, {"code"})


async def test_bad_bins_are_refused_whole_naming_every_problem(client):
    headers = await bearer("manager")
    main, _bins = await warehouse("MAIN", "A-01-01", "A-02-02")
    url = f"{URL}/{main}/bins"
    problem = await _refused(client, "POST", url, {"zone": "A", "racks": {"from": 1, "to": 2},
                                                   "shelves": {"from": 1, "to": 2}}, headers, 409, {"address"})
    assert problem["detail"] == "Ячейки уже есть на складе MAIN (2): A-01-01, A-02-02"
    assert problem["errors"][0]["addresses"] == "A-01-01, A-02-02"
    problem = await _refused(client, "POST", url, {"zone": "", "racks": {"from": 4, "to": 1}, "cells": {"from": 1}},
                             headers, 422, {"zone", "racks", "shelves"})
    assert len(problem["errors"]) == 3
    await _refused(client, "POST", url, {"zone": "B", "racks": {"from": 1, "to": 30}, "shelves": {"from": 1, "to": 99}},
                   headers, 422, {""})
    await _refused(client, "POST", url, {"zone": "B", "rack": "01", "racks": {"from": 1}}, headers, 422, {"racks"})
    await _refused(client, "POST", url, {"zone": "B", "racks": {"from": "1", "too": 2}}, headers, 400,
                   {"racks.from", "racks.too"})
    await _refused(client, "POST", url, {"zone": "B", "pick_seq": -5}, headers, 422, {"pick_seq"})
    await _refused(client, "POST", f"{URL}/{main + 9}/bins", {"zone": "B"}, headers, 404)
    await _refused(client, "POST", url, {"zone": "B"}, await bearer("picker", name="tsd"), 403)


async def test_a_bin_moves_in_the_walk_and_cannot_be_closed_while_it_holds_goods(client):
    headers = await bearer("manager")
    main, bins = await warehouse("MAIN", "A-01", "A-02")
    shop, shop_bins = await warehouse("SHOP", "B-01")
    variant = await make_goods("KEN-250")
    await receive(main, (variant, 2, 100, bins["A-01"]))
    moved = await client.patch(f"{URL}/{main}/bins/{bins['A-02']}", json={"pick_seq": 1}, headers=headers)
    assert moved.status_code == 200 and moved.json()["pick_seq"] == 1, moved.text
    listing = await client.get(f"{URL}/{main}/bins", headers=headers)
    assert [b["address"] for b in listing.json()["items"]] == ["A-02", "A-01"]
    problem = await _refused(client, "PATCH", f"{URL}/{main}/bins/{bins['A-01']}", {"active": False}, headers, 409,
                             {"active"})
    assert "В ячейке A-01 ещё лежит товар — позиций: 1, единиц: 2" in problem["detail"]
    await _refused(client, "PATCH", f"{URL}/{main}/bins/{shop_bins['B-01']}", {"active": False}, headers, 404)
    await _refused(client, "PATCH", f"{URL}/{main}/bins/{bins['A-02']}", {"pick_seq": 2_000_000_000}, headers, 422,
                   {"pick_seq"})
    closed = await client.patch(f"{URL}/{main}/bins/{bins['A-02']}", json={"active": False}, headers=headers)
    assert closed.status_code == 200 and closed.json()["active"] is False
    inactive = await client.get(f"{URL}/{main}/bins", params={"status": "inactive"}, headers=headers)
    assert [b["address"] for b in inactive.json()["items"]] == ["A-02"]


async def test_the_openapi_document_describes_the_warehouse_endpoints(client):
    doc = (await client.get("/schema/openapi.json")).json()
    paths = doc["paths"]
    assert {"get", "post"} <= set(paths[URL]) and {"get", "patch"} <= set(paths[f"{URL}/{{warehouse_id}}"])
    assert {"get", "post"} <= set(paths[f"{URL}/{{warehouse_id}}/bins"])
    assert "patch" in paths[f"{URL}/{{warehouse_id}}/bins/{{bin_id}}"]
    schemas = doc["components"]["schemas"]
    body = paths[f"{URL}/{{warehouse_id}}/bins"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    bins_in = schemas[body["$ref"].rsplit("/", 1)[1]]
    assert {"zone", "rack", "racks", "shelves", "cells", "pick_seq"} <= set(bins_in["properties"])
    assert {"400", "401", "403", "404", "409", "422"} <= set(paths[f"{URL}/{{warehouse_id}}"]["patch"]["responses"])
