"""GET /api/v1/warehouses and GET /api/v1/stock: per warehouse on hand, reserved and available."""

from __future__ import annotations

from api_helpers import assert_russian_problem, bearer, ean13, make_goods, warehouse

from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import reserve

BOX = ean13("460123400002")
PIECE = ean13("460123400001")


async def _stocked(client, headers) -> dict:
    """KEN-250 (a piece barcode and a box of 6): 10 in MAIN bin A-01-01, 3 in SHOP; 4 reserved in MAIN."""
    main, main_bins = await warehouse("MAIN", "A-01-01", "A-01-02")
    shop, _ = await warehouse("SHOP")
    variant = await make_goods("KEN-250", (PIECE, 1), (BOX, 6))
    for body in ({"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 10, "price": "400.00", "bin": "A-01-01"}]},
                 {"warehouse": "SHOP", "lines": [{"barcode": PIECE, "qty": 3, "price": "400.00"}]}):
        response = await client.post("/api/v1/documents/receipts", json={**body, "post": True}, headers=headers)
        assert response.status_code == 201, response.text
    await reserve("order:1", main, [ReserveRequest(variant_id=variant, qty=4)])
    return {"main": main, "shop": shop, "variant": variant, "bins": main_bins}


async def test_warehouses_are_listed_with_their_bins_on_request(client):
    headers = await bearer("picker")
    main, bins = await warehouse("MAIN", "A-01-01", "A-01-02")
    await warehouse("SHOP")
    plain = await client.get("/api/v1/warehouses", headers=headers)
    assert plain.status_code == 200, plain.text
    assert [(w["code"], w["name"], w["active"]) for w in plain.json()] == [("MAIN", "Склад MAIN", True),
                                                                           ("SHOP", "Склад SHOP", True)]
    assert "bins" not in plain.json()[0]
    with_bins = (await client.get("/api/v1/warehouses?bins=true", headers=headers)).json()
    assert with_bins[0]["id"] == main
    assert [(b["id"], b["address"], b["zone"], b["rack"], b["shelf"]) for b in with_bins[0]["bins"]] == [
        (bins["A-01-01"], "A-01-01", "A", "01", "01"), (bins["A-01-02"], "A-01-02", "A", "01", "02")]
    assert with_bins[1]["bins"] == []


async def test_stock_by_sku_shows_every_warehouse_with_on_hand_reserved_available(client):
    headers = await bearer("manager")
    made = await _stocked(client, headers)
    response = await client.get("/api/v1/stock", params={"sku": "KEN-250"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["variant_id"], body["sku"]) == (made["variant"], "KEN-250")
    assert (body["on_hand"], body["reserved"], body["available"]) == (13, 4, 9)
    by_code = {w["warehouse"]: w for w in body["warehouses"]}
    assert (by_code["MAIN"]["on_hand"], by_code["MAIN"]["reserved"], by_code["MAIN"]["available"]) == (10, 4, 6)
    assert (by_code["SHOP"]["on_hand"], by_code["SHOP"]["reserved"], by_code["SHOP"]["available"]) == (3, 0, 3)
    assert by_code["MAIN"]["bins"] == [{"address": "A-01-01", "on_hand": 10}]
    assert by_code["SHOP"]["bins"] == []


async def test_stock_by_barcode_and_by_lower_case_sku_find_the_same_variant(client):
    headers = await bearer("picker")
    made = await _stocked(client, await bearer("manager"))
    by_box = await client.get("/api/v1/stock", params={"barcode": BOX}, headers=headers)
    by_lower = await client.get("/api/v1/stock", params={"sku": "ken-250"}, headers=headers)
    assert by_box.status_code == 200 and by_lower.status_code == 200, (by_box.text, by_lower.text)
    assert by_box.json() == by_lower.json()
    assert by_box.json()["variant_id"] == made["variant"] and by_box.json()["available"] == 9


async def test_stock_of_goods_never_received_is_zero_everywhere(client):
    headers = await bearer("manager")
    await warehouse("MAIN")
    await make_goods("NEW-1")
    body = (await client.get("/api/v1/stock?sku=NEW-1", headers=headers)).json()
    assert (body["on_hand"], body["reserved"], body["available"]) == (0, 0, 0)
    assert [(w["warehouse"], w["on_hand"], w["available"]) for w in body["warehouses"]] == [("MAIN", 0, 0)]


async def test_unknown_sku_or_barcode_is_a_404_problem_in_russian(client):
    headers = await bearer("manager")
    await make_goods("KEN-250", (PIECE, 1))
    unknown_sku = await client.get("/api/v1/stock?sku=NOPE-1", headers=headers)
    body = assert_russian_problem(unknown_sku, 404, fields={"sku"})
    assert "NOPE-1" in body["detail"]
    # a SKU is not a barcode
    assert_russian_problem(await client.get("/api/v1/stock?barcode=KEN-250", headers=headers), 404,
                           fields={"barcode"})
    english = await client.get("/api/v1/stock?sku=NOPE-1&lang=en", headers=headers)
    assert english.status_code == 404 and english.json()["detail"] == "Unknown SKU NOPE-1"


async def test_stock_needs_exactly_one_of_sku_and_barcode(client):
    headers = await bearer("manager")
    await make_goods("KEN-250", (PIECE, 1))
    assert_russian_problem(await client.get("/api/v1/stock", headers=headers), 422, fields={"sku"})
    both = await client.get("/api/v1/stock", params={"sku": "KEN-250", "barcode": PIECE}, headers=headers)
    assert_russian_problem(both, 422, fields={"sku"})
    too_long = await client.get("/api/v1/stock", params={"sku": "X" * 65}, headers=headers)
    assert_russian_problem(too_long, 400, fields={"sku"})


async def test_reading_stock_needs_a_token_of_a_role_that_may_see_it(client):
    await make_goods("KEN-250")
    assert_russian_problem(await client.get("/api/v1/stock?sku=KEN-250"), 401)
    assert_russian_problem(await client.get("/api/v1/warehouses"), 401)
    courier = await bearer("courier")
    assert_russian_problem(await client.get("/api/v1/stock?sku=KEN-250", headers=courier), 403)
    assert_russian_problem(await client.get("/api/v1/warehouses", headers=courier), 403)
    owner = await bearer("owner")
    assert (await client.get("/api/v1/stock?sku=KEN-250", headers=owner)).status_code == 200
