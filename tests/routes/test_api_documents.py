"""/api/v1/documents: receipts, transfers, write-offs and inventories by sku or barcode; post and unpost.

The goods are made directly with Piccolo here, so these tests do not depend on the catalog service;
test_api_products.py walks the same road starting from POST /api/v1/products.
"""

from __future__ import annotations

import json

from api_helpers import assert_russian_problem, bearer, counts, ean13, ledger, make_goods, warehouse

from server.domain.stock.dto import ReserveRequest
from server.domain.stock.reservations import consume, reserve

PIECE = ean13("460123400001")
BOX = ean13("460123400002")  # a box of 6
RECEIPTS = "/api/v1/documents/receipts"
TRANSFERS = "/api/v1/documents/transfers"
WRITE_OFFS = "/api/v1/documents/write-offs"
INVENTORIES = "/api/v1/documents/inventories"


async def _shop() -> dict:
    main, main_bins = await warehouse("MAIN", "A-01-01", "A-01-02")
    shop, shop_bins = await warehouse("SHOP", "B-01")
    variant = await make_goods("KEN-250", (PIECE, 1), (BOX, 6))
    other = await make_goods("EFI-250", product="Эфиопия Иргачеффе")
    return {"main": main, "shop": shop, "bins": {**main_bins, **shop_bins}, "variant": variant, "other": other}


async def _stock(client, headers, sku: str = "KEN-250") -> dict:
    response = await client.get("/api/v1/stock", params={"sku": sku}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return {w["warehouse"]: (w["on_hand"], w["reserved"], w["available"], {b["address"]: b["on_hand"] for b in
                                                                           w["bins"]}) for w in body["warehouses"]}


async def _create(client, headers, url: str, body: dict) -> dict:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def _refused(client, headers, url: str, body, status: int, fields: set | None = None) -> dict:
    """Sends a bad request; checks the problem document and that no row changed."""
    before, state = await counts(), await ledger()
    if isinstance(body, (bytes, str)):
        response = await client.post(url, content=body, headers={**headers, "content-type": "application/json"})
    else:
        response = await client.post(url, json=body, headers=headers)
    problem = assert_russian_problem(response, status, fields=fields)
    assert await counts() == before
    assert await ledger() == state
    return problem


async def test_the_ledger_walk_receipt_transfers_write_off_inventory_unpost(client):
    headers = await bearer("manager")
    await _shop()
    receipt = await _create(client, headers, RECEIPTS, {
        "warehouse": "MAIN", "supplier": "ООО «Кофейный двор»", "post": True,
        "lines": [{"barcode": BOX, "qty": 2, "price": 412.5, "bin": "A-01-01"}]})
    assert (receipt["kind"], receipt["status"], receipt["number"]) == ("receipt", "posted", "ПР-000001")
    line = receipt["lines"][0]
    assert (line["sku"], line["qty"], line["price"], line["price_kopecks"], line["bin"]) == (
        "KEN-250", 12, "412.50", 41250, "A-01-01")
    assert [(m["qty"], m["cost"], m["counterpart"]) for m in receipt["moves"]] == [(12, "4950.00", "supplier")]
    assert await _stock(client, headers) == {"MAIN": (12, 0, 12, {"A-01-01": 12}), "SHOP": (0, 0, 0, {})}

    between_warehouses = await _create(client, headers, TRANSFERS, {
        "warehouse": "MAIN", "dest_warehouse": "SHOP", "post": True,
        "lines": [{"sku": "KEN-250", "qty": 5, "bin": "A-01-01", "dest_bin": "B-01"}]})
    assert between_warehouses["dest_warehouse"]["code"] == "SHOP"
    assert sorted((m["warehouse"], m["bin"], m["qty"]) for m in between_warehouses["moves"]) == [
        ("MAIN", "A-01-01", -5), ("SHOP", "B-01", 5)]
    between_bins = await _create(client, headers, TRANSFERS, {
        "warehouse": "MAIN", "post": True, "lines": [{"sku": "ken-250", "qty": 3, "bin": "a-01-01",
                                                      "dest_bin": "A-01-02"}]})
    assert between_bins["dest_warehouse"] is None and between_bins["status"] == "posted"
    assert await _stock(client, headers) == {"MAIN": (7, 0, 7, {"A-01-01": 4, "A-01-02": 3}),
                                             "SHOP": (5, 0, 5, {"B-01": 5})}

    write_off = await _create(client, headers, WRITE_OFFS, {
        "warehouse": "SHOP", "reason": "Порвана упаковка", "post": True,
        "lines": [{"barcode": PIECE, "qty": 1, "bin": "B-01"}]})
    assert (write_off["reason"], write_off["moves"][0]["counterpart"]) == ("Порвана упаковка", "loss")
    assert write_off["moves"][0]["cost"] == "-412.50"
    inventory = await _create(client, headers, INVENTORIES, {
        "warehouse": "MAIN", "post": True, "lines": [{"sku": "KEN-250", "qty": 6}]})
    assert (inventory["lines"][0]["qty"], inventory["lines"][0]["book_qty"]) == (6, 7)
    assert [(m["qty"], m["counterpart"]) for m in inventory["moves"]] == [(-1, "inventory")]
    assert (await _stock(client, headers))["MAIN"][:3] == (6, 0, 6)

    unposted = await client.post(f"/api/v1/documents/{inventory['id']}/unpost", headers=headers)
    assert unposted.status_code == 200, unposted.text
    assert unposted.json()["status"] == "draft"
    assert [(m["qty"], m["reversal"]) for m in unposted.json()["moves"]] == [(-1, False), (1, True)]
    assert (await client.post(f"/api/v1/documents/{write_off['id']}/unpost", headers=headers)).status_code == 200
    assert await _stock(client, headers) == {"MAIN": (7, 0, 7, {"A-01-01": 4, "A-01-02": 3}),
                                             "SHOP": (5, 0, 5, {"B-01": 5})}
    read = await client.get(f"/api/v1/documents/{write_off['id']}", headers=headers)
    assert read.status_code == 200 and read.json()["status"] == "draft" and read.json()["number"] == "СП-000001"


async def test_a_draft_changes_nothing_until_posted_and_posts_once(client):
    headers = await bearer("manager")
    await _shop()
    draft = await _create(client, headers, RECEIPTS, {"warehouse": "MAIN",
                                                      "lines": [{"sku": "KEN-250", "qty": 4, "price_kopecks": 10050}]})
    assert draft["status"] == "draft" and draft["moves"] == [] and draft["posted_at"] is None
    assert (await _stock(client, headers))["MAIN"][0] == 0
    posted = await client.post(f"/api/v1/documents/{draft['id']}/post", headers=headers)
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "posted" and posted.json()["lines"][0]["price"] == "100.50"
    assert (await _stock(client, headers))["MAIN"][0] == 4
    before = await counts()
    again = await client.post(f"/api/v1/documents/{draft['id']}/post", headers=headers)
    assert "ПР-000001" in assert_russian_problem(again, 409)["detail"]
    unposted = await client.post(f"/api/v1/documents/{draft['id']}/unpost", headers=headers)
    assert unposted.status_code == 200 and unposted.json()["status"] == "draft"
    assert (await _stock(client, headers))["MAIN"][0] == 0
    assert_russian_problem(await client.post(f"/api/v1/documents/{draft['id']}/unpost", headers=headers), 409)
    assert (await counts())["documents"] == before["documents"]


async def test_documents_are_listed_newest_first_and_filtered(client):
    headers = await bearer("manager")
    await _shop()
    first = await _create(client, headers, RECEIPTS, {"warehouse": "MAIN", "post": True,
                                                      "lines": [{"sku": "KEN-250", "qty": 5}]})
    second = await _create(client, headers, WRITE_OFFS, {"warehouse": "MAIN", "reason": "бой",
                                                         "lines": [{"sku": "KEN-250", "qty": 1}]})
    page = (await client.get("/api/v1/documents", headers=headers)).json()
    assert [d["id"] for d in page["items"]] == [second["id"], first["id"]]
    assert page["total"] == 2 and page["next_offset"] is None
    drafts = (await client.get("/api/v1/documents?status=draft&kind=write_off", headers=headers)).json()
    assert [d["number"] for d in drafts["items"]] == ["СП-000001"]
    one = (await client.get("/api/v1/documents?limit=1", headers=headers)).json()
    assert len(one["items"]) == 1 and one["next_offset"] == 1
    assert_russian_problem(await client.get("/api/v1/documents?kind=bogus", headers=headers), 400,
                           fields={"kind"})


async def test_money_is_exact_roubles_never_a_float(client):
    headers = await bearer("manager")
    await _shop()
    raw = (b'{"warehouse": "MAIN", "post": true, "lines": [{"sku": "KEN-250", "qty": 3, "price": 99999.99},'
           b' {"sku": "EFI-250", "qty": 1, "price": "0.10"}]}')
    response = await client.post(RECEIPTS, content=raw, headers={**headers, "content-type": "application/json"})
    assert response.status_code == 201, response.text
    lines = response.json()["lines"]
    assert [(x["price"], x["price_kopecks"]) for x in lines] == [("99999.99", 9999999), ("0.10", 10)]
    assert sorted(m["cost"] for m in response.json()["moves"]) == ["0.10", "299999.97"]
    assert all(isinstance(m["cost"], str) for m in response.json()["moves"])
    # 0.1 + 0.2 is not 0.30: refused, not rounded
    for bad in (0.1 + 0.2, "12.345", "1e-3", "NaN", "Infinity", -0.001, 1e12):
        problem = await _refused(client, headers, RECEIPTS, {"warehouse": "MAIN", "lines": [
            {"sku": "KEN-250", "qty": 1, "price": bad}]}, 400, {"lines[0].price"})
        assert "рубл" in problem["errors"][0]["detail"], bad
    # beyond float precision: the exact decimal text is checked, not a rounded float
    exact = b'{"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 1, "price": 0.30000000000000000001}]}'
    await _refused(client, headers, RECEIPTS, exact, 400, {"lines[0].price"})
    both = {"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 1, "price": "1.00", "price_kopecks": 100}]}
    await _refused(client, headers, RECEIPTS, both, 422, {"lines[0]"})
    negative = {"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 1, "price": "-1.00"}]}
    await _refused(client, headers, RECEIPTS, negative, 422, {"lines[0]"})


async def test_zero_or_negative_quantities_are_refused_line_by_line(client):
    headers = await bearer("manager")
    await _shop()
    body = {"warehouse": "MAIN", "post": True, "lines": [{"sku": "KEN-250", "qty": 0}, {"sku": "EFI-250", "qty": 2},
                                                         {"barcode": BOX, "qty": -1}]}
    for url in (RECEIPTS, WRITE_OFFS, TRANSFERS):
        problem = await _refused(client, headers, url, {**body, "reason": "бой", "dest_warehouse": "SHOP"}
                                 if url == TRANSFERS else {**body, "reason": "бой"} if url == WRITE_OFFS else body,
                                 422, {"lines[0]", "lines[2]"})
        assert [e["index"] for e in problem["errors"]] == [0, 2]
        assert "больше нуля" in problem["errors"][0]["detail"]
    counted = await _refused(client, headers, INVENTORIES, {"warehouse": "MAIN", "lines": [
        {"sku": "KEN-250", "qty": -1}]}, 422, {"lines[0]"})
    assert "отрицательн" in counted["detail"]
    zero_count = await client.post(INVENTORIES, json={"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 0}]},
                                   headers=headers)
    assert zero_count.status_code == 201, zero_count.text
    too_many = {"warehouse": "MAIN", "lines": [{"barcode": BOX, "qty": 999_999_999}]}
    await _refused(client, headers, RECEIPTS, too_many, 422, {"lines[0]"})
    not_whole = {"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 1.5}, {"sku": "KEN-250", "qty": "2"}]}
    await _refused(client, headers, RECEIPTS, not_whole, 400, {"lines[0].qty", "lines[1].qty"})


async def test_unknown_goods_and_places_are_all_named_at_once(client):
    headers = await bearer("manager")
    await _shop()
    problem = await _refused(client, headers, TRANSFERS, {
        "warehouse": "NOWHERE", "dest_warehouse": 999, "post": True,
        "lines": [{"sku": "NOPE-1", "qty": 1}, {"barcode": ean13("460999999999"), "qty": 1},
                  {"sku": "KEN-250", "qty": 1}, {"qty": 1}, {"sku": "KEN-250", "barcode": PIECE, "qty": 1}]},
        422, {"warehouse", "dest_warehouse", "lines[0]", "lines[1]", "lines[3]", "lines[4]"})
    details = " | ".join(e["detail"] for e in problem["errors"])
    assert "NOWHERE" in details and "999" in details and "NOPE-1" in details and "4609999999997" in details
    bins = await _refused(client, headers, TRANSFERS, {
        "warehouse": "MAIN", "dest_warehouse": "SHOP",
        "lines": [{"sku": "KEN-250", "qty": 1, "bin": "Z-99"}, {"sku": "KEN-250", "qty": 1, "dest_bin": "A-01-01"}]},
        422, {"lines[0]", "lines[1]"})
    assert "Z-99" in bins["errors"][0]["detail"] and "SHOP" in bins["errors"][1]["detail"]
    by_id = await _refused(client, headers, RECEIPTS, {"warehouse": "MAIN", "lines": [
        {"sku": "KEN-250", "qty": 1, "bin": 999}]}, 422, {"lines[0]"})
    assert "999" in by_id["detail"]
    await _refused(client, headers, RECEIPTS, {"warehouse": "MAIN", "dest_warehouse": "SHOP", "lines": [
        {"sku": "KEN-250", "qty": 1}]}, 422, {"dest_warehouse"})
    await _refused(client, headers, WRITE_OFFS, {"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 1}]},
                   422, {"reason"})


async def test_write_off_or_transfer_beyond_available_stock_is_refused_naming_every_line(client):
    headers = await bearer("manager")
    made = await _shop()
    await _create(client, headers, RECEIPTS, {"warehouse": "MAIN", "post": True, "lines": [
        {"sku": "KEN-250", "qty": 5, "price": "400.00", "bin": "A-01-01"}, {"sku": "EFI-250", "qty": 2}]})
    await reserve("order:1", made["main"], [ReserveRequest(variant_id=made["variant"], qty=3)])
    short = {"warehouse": "MAIN", "reason": "бой", "post": True,
             "lines": [{"sku": "EFI-250", "qty": 1}, {"sku": "KEN-250", "qty": 3}, {"sku": "EFI-250", "qty": 2}]}
    problem = await _refused(client, headers, WRITE_OFFS, short, 409, {"lines[0]", "lines[1]"})
    assert problem["type"].endswith("insufficient_stock")
    by_sku = {e["sku"]: e for e in problem["errors"]}
    assert (by_sku["KEN-250"]["requested"], by_sku["KEN-250"]["available"]) == (3, 2)
    assert (by_sku["EFI-250"]["requested"], by_sku["EFI-250"]["available"]) == (3, 2)
    assert "KEN-250" in problem["detail"] and "EFI-250" in problem["detail"]
    transfer = {"warehouse": "MAIN", "dest_warehouse": "SHOP", "post": True,
                "lines": [{"barcode": BOX, "qty": 1, "bin": "A-01-01"}]}
    problem = await _refused(client, headers, TRANSFERS, transfer, 409, {"lines[0]"})
    assert {e.get("bin") for e in problem["errors"]} >= {"A-01-01"}
    between_bins = {"warehouse": "MAIN", "post": True,
                    "lines": [{"sku": "KEN-250", "qty": 1, "bin": "A-01-02", "dest_bin": "A-01-01"}]}
    await _refused(client, headers, TRANSFERS, between_bins, 409, {"lines[0]"})
    # a draft may be saved, but posting it is refused and leaves it a draft
    draft = await _create(client, headers, WRITE_OFFS, {**short, "post": False})
    before, state = await counts(), await ledger()
    posting = await client.post(f"/api/v1/documents/{draft['id']}/post", headers=headers)
    assert_russian_problem(posting, 409, fields={"lines[0]", "lines[1]"})
    assert await counts() == before and await ledger() == state


async def test_unposting_a_receipt_whose_goods_were_shipped_is_refused(client):
    headers = await bearer("manager")
    made = await _shop()
    receipt = await _create(client, headers, RECEIPTS, {"warehouse": "MAIN", "post": True, "lines": [
        {"sku": "EFI-250", "qty": 2}, {"sku": "KEN-250", "qty": 5, "price": "400.00"}]})
    await reserve("order:7", made["main"], [ReserveRequest(variant_id=made["variant"], qty=4)])
    await consume("order:7")
    before, state = await counts(), await ledger()
    response = await client.post(f"/api/v1/documents/{receipt['id']}/unpost", headers=headers)
    problem = assert_russian_problem(response, 409, fields={"lines[1]"})
    assert "ПР-000001" in problem["detail"] and problem["errors"][0]["sku"] == "KEN-250"
    assert await counts() == before and await ledger() == state
    assert (await client.get(f"/api/v1/documents/{receipt['id']}", headers=headers)).json()["status"] == "posted"


async def test_unknown_documents_are_404_problems(client):
    headers = await bearer("manager")
    for response in (await client.get("/api/v1/documents/999", headers=headers),
                     await client.post("/api/v1/documents/999/post", headers=headers),
                     await client.post("/api/v1/documents/999/unpost", headers=headers)):
        assert "999" in assert_russian_problem(response, 404)["detail"]
    assert_russian_problem(await client.get("/api/v1/documents/abc", headers=headers), 404)


async def test_only_managers_and_owners_touch_documents(client):
    made = await _shop()
    body = {"warehouse": "MAIN", "post": True, "lines": [{"sku": "KEN-250", "qty": 1}]}
    for role in ("picker", "courier", "cashier"):
        headers = await bearer(role, name=f"{role}-token")
        await _refused(client, headers, RECEIPTS, body, 403)
        assert_russian_problem(await client.get("/api/v1/documents", headers=headers), 403)
    owner = await _create(client, await bearer("owner"), RECEIPTS, body)
    assert owner["created_by"] == "token:integration"
    assert made["variant"] == owner["lines"][0]["variant_id"]
    json.dumps(owner)  # plain JSON all the way down
