"""/api/v1/products: create a product with variants, barcodes and prices; list and search; the card.
And the whole road from a new product to its stock, through the API only."""

from __future__ import annotations

from api_helpers import (
    assert_russian_problem,
    bearer,
    counts,
    create_product,
    ean13,
    product_body,
    warehouse,
    wrong_check_digit,
)

PIECE, BOX, KILO = ean13("460123400001"), ean13("460123400002"), ean13("460123400003")


async def _refused(client, headers, body, status: int, fields: set | None = None) -> dict:
    before = await counts()
    problem = assert_russian_problem(await client.post("/api/v1/products", json=body, headers=headers), status,
                                     fields=fields)
    assert await counts() == before
    return problem


async def _stock(client, headers, sku: str) -> dict:
    body = (await client.get("/api/v1/stock", params={"sku": sku}, headers=headers)).json()
    return {w["warehouse"]: (w["on_hand"], w["reserved"], w["available"], {b["address"]: b["on_hand"] for b in
                                                                           w["bins"]}) for w in body["warehouses"]}


async def test_a_product_is_created_with_variants_barcodes_and_exact_prices(client):
    headers = await bearer("manager")
    created = await create_product(client, headers)
    assert [v["sku"] for v in created["variants"]] == ["KEN-250", "KEN-1000"]
    assert all(isinstance(v["id"], int) for v in created["variants"])
    card = await client.get(f"/api/v1/products/{created['id']}", headers=await bearer("picker", name="scanner"))
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["product"]["name"] == "Кения АА" and body["product"]["vat"] == "20"
    small, big = body["variants"]
    assert (small["id"], small["sku"], small["characteristics"]) == (
        created["variants"][0]["id"], "KEN-250", {"Помол": "зерно", "Вес": "250 г"})
    assert small["prices"] == {"retail": "890.00", "purchase": "412.50"}  # 412.5 sent as a JSON number
    assert small["prices_kopecks"] == {"retail": 89000, "purchase": 41250}
    assert [(b["code"], b["multiplier"]) for b in small["barcodes"]] == [(PIECE, 1), (BOX, 6)]
    assert big["prices"] == {"retail": "2990.00"}
    assert {t["code"] for t in body["price_types"]} >= {"retail", "purchase"}


async def test_products_are_listed_a_page_at_a_time_and_found_by_name_sku_or_barcode(client):
    headers = await bearer("picker")
    manager = await bearer("manager", name="shop")
    await create_product(client, manager)
    await create_product(client, manager, product_body("Эфиопия Иргачеффе", {"sku": "ETH-250", "prices": {
        "retail": "950.00"}}))
    everything = (await client.get("/api/v1/products", headers=headers)).json()
    assert everything["total"] == 3 and everything["next_offset"] is None
    assert [r["sku"] for r in everything["items"]] == ["KEN-1000", "KEN-250", "ETH-250"] or \
        {r["sku"] for r in everything["items"]} == {"KEN-1000", "KEN-250", "ETH-250"}
    first = (await client.get("/api/v1/products?limit=2", headers=headers)).json()
    second = (await client.get("/api/v1/products?limit=2&offset=2", headers=headers)).json()
    assert (len(first["items"]), first["next_offset"], len(second["items"]), second["next_offset"]) == (2, 2, 1, None)
    assert {r["sku"] for r in first["items"] + second["items"]} == {"KEN-1000", "KEN-250", "ETH-250"}
    by_name = (await client.get("/api/v1/products", params={"q": "КЕНИЯ"}, headers=headers)).json()
    assert {r["sku"] for r in by_name["items"]} == {"KEN-250", "KEN-1000"}
    by_box = (await client.get("/api/v1/products", params={"q": BOX}, headers=headers)).json()
    assert [r["sku"] for r in by_box["items"]] == ["KEN-250"]
    row = by_box["items"][0]
    assert (row["retail_price"], row["retail_price_kopecks"], row["on_hand"]) == ("890.00", 89000, 0)
    assert row["barcodes"] == [PIECE, BOX]
    by_sku = (await client.get("/api/v1/products", params={"q": "eth-250"}, headers=headers)).json()
    assert [r["product_name"] for r in by_sku["items"]] == ["Эфиопия Иргачеффе"]
    assert (await client.get("/api/v1/products?q=нет-такого", headers=headers)).json()["total"] == 0
    assert_russian_problem(await client.get("/api/v1/products?limit=0", headers=headers), 400, fields={"limit"})


async def test_from_a_new_product_to_its_stock_through_the_api(client):
    headers = await bearer("manager")
    await warehouse("MAIN", "A-01-01", "A-01-02")
    await warehouse("SHOP", "B-01")
    product = await create_product(client, headers)
    receipt = await client.post("/api/v1/documents/receipts", headers=headers, json={
        "warehouse": "MAIN", "post": True, "lines": [{"barcode": BOX, "qty": 2, "price": 412.5, "bin": "A-01-01"},
                                                     {"barcode": KILO, "qty": 1, "price": "1500.00"}]})
    assert receipt.status_code == 201, receipt.text
    assert [(x["sku"], x["qty"]) for x in receipt.json()["lines"]] == [("KEN-250", 12), ("KEN-1000", 1)]
    assert await _stock(client, headers, "KEN-250") == {"MAIN": (12, 0, 12, {"A-01-01": 12}), "SHOP": (0, 0, 0, {})}
    for body in ({"warehouse": "MAIN", "dest_warehouse": "SHOP", "lines": [
                     {"sku": "KEN-250", "qty": 5, "bin": "A-01-01", "dest_bin": "B-01"}]},
                 {"warehouse": "MAIN", "lines": [{"barcode": PIECE, "qty": 2, "bin": "A-01-01", "dest_bin": "A-01-02"}]}):
        moved = await client.post("/api/v1/documents/transfers", json={**body, "post": True}, headers=headers)
        assert moved.status_code == 201, moved.text
    assert await _stock(client, headers, "KEN-250") == {"MAIN": (7, 0, 7, {"A-01-01": 5, "A-01-02": 2}),
                                                        "SHOP": (5, 0, 5, {"B-01": 5})}
    write_off = await client.post("/api/v1/documents/write-offs", headers=headers, json={
        "warehouse": "SHOP", "reason": "Истёк срок", "post": True, "lines": [{"sku": "KEN-250", "qty": 2}]})
    assert write_off.status_code == 201, write_off.text
    inventory = await client.post("/api/v1/documents/inventories", headers=headers, json={
        "warehouse": "MAIN", "post": True, "lines": [{"sku": "KEN-250", "qty": 8}, {"sku": "KEN-1000", "qty": 1}]})
    assert inventory.status_code == 201, inventory.text
    assert [x["book_qty"] for x in inventory.json()["lines"]] == [7, 1]
    assert (await _stock(client, headers, "KEN-250"))["MAIN"][:3] == (8, 0, 8)
    card = (await client.get(f"/api/v1/products/{product['id']}", headers=headers)).json()
    main = next(s for s in card["variants"][0]["stock"] if s["warehouse"] == "MAIN")
    assert (main["on_hand"], main["avg_cost"], main["value"]) == (8, "412.50", "3300.00")
    for document in (inventory.json(), write_off.json()):
        undone = await client.post(f"/api/v1/documents/{document['id']}/unpost", headers=headers)
        assert undone.status_code == 200 and undone.json()["status"] == "draft", undone.text
    assert await _stock(client, headers, "KEN-250") == {"MAIN": (7, 0, 7, {"A-01-01": 5, "A-01-02": 2}),
                                                        "SHOP": (5, 0, 5, {"B-01": 5})}


async def test_a_sku_left_out_is_generated_and_returned(client):
    headers = await bearer("manager")
    created = await create_product(client, headers, {"name": "Чай улун", "variants": [
        {"characteristics": {"Вес": "100 г"}}, {"characteristics": {"Вес": "500 г"}, "generate_barcode": True}]})
    skus = [v["sku"] for v in created["variants"]]
    assert all(skus) and len(set(skus)) == 2
    card = (await client.get(f"/api/v1/products/{created['id']}", headers=headers)).json()
    assert [v["sku"] for v in card["variants"]] == skus
    generated = card["variants"][1]["barcodes"][0]["code"]
    assert generated.startswith("2") and generated == ean13(generated[:12])


async def test_a_wrong_check_digit_is_refused_with_the_expected_digit(client):
    headers = await bearer("manager")
    bad = wrong_check_digit(PIECE)
    problem = await _refused(client, headers, product_body("Кения АА", {"sku": "KEN-250", "barcodes": [
        {"code": bad}]}), 422, {"variants[0].barcodes[0].code"})
    assert bad in problem["detail"] and PIECE[-1] in problem["detail"]


async def test_duplicates_in_the_request_and_in_the_catalog_are_all_listed(client):
    headers = await bearer("manager")
    await create_product(client, headers)
    in_request = product_body("Эфиопия", {"sku": "ETH-1", "barcodes": [{"code": ean13("460123400010")}]},
                              {"sku": "ETH-1", "barcodes": [{"code": ean13("460123400010")}]})
    problem = await _refused(client, headers, in_request, 422,
                             {"variants[1].sku", "variants[1].barcodes[0].code"})
    assert "ETH-1" in problem["errors"][0]["detail"]
    against_catalog = product_body("Кения АА, новая партия", {"sku": "ken-250", "barcodes": [
        {"code": ean13("460123400011")}, {"code": BOX}]})
    problem = await _refused(client, headers, against_catalog, 409,
                             {"variants[0].sku", "variants[0].barcodes[1].code"})
    assert problem["type"].endswith("conflict") and "KEN-250" in problem["errors"][1]["detail"]
    mixed = product_body("Смесь", {"sku": "KEN-1000", "barcodes": [{"code": wrong_check_digit(KILO)}]},
                         {"sku": "ETH-1", "barcodes": [{"code": ean13("460123400012")}, {"code": "штрих"}]})
    problem = await _refused(client, headers, mixed, 422, {"variants[0].sku", "variants[0].barcodes[0].code",
                                                           "variants[1].barcodes[1].code"})
    assert len(problem["errors"]) == 3


async def test_a_taken_barcode_after_an_invalid_one_is_named_at_its_own_index(client):
    headers = await bearer("manager")
    await create_product(client, headers)
    body = product_body("Смесь", {"sku": "MIX-1", "barcodes": [{"code": wrong_check_digit(KILO)}, {"code": PIECE}]})
    await _refused(client, headers, body, 422, {"variants[0].barcodes[0].code", "variants[0].barcodes[1].code"})


async def test_prices_must_be_exact_roubles_of_a_known_price_type(client):
    headers = await bearer("manager")
    for bad in (0.1 + 0.2, "12.345", "abc", "-Infinity", 1e15):
        problem = await _refused(client, headers, product_body("Кения АА", {"sku": "K-1", "prices": {"retail": bad}}),
                                 400, {"variants[0].prices.retail"})
        assert "рубл" in problem["detail"] or "числ" in problem["detail"], bad
    await _refused(client, headers, product_body("Кения АА", {"sku": "K-1", "prices": {"bogus": "1.00"}}), 422,
                   {"variants[0].prices.bogus"})
    await _refused(client, headers, product_body("Кения АА", {"sku": "K-1", "prices": {"retail": "-1.00"}}), 422,
                   {"variants[0].prices.retail"})
    twice = product_body("Кения АА", {"sku": "K-1", "prices": {"retail": "1.00"}, "prices_kopecks": {"retail": 100}})
    await _refused(client, headers, twice, 422, {"variants[0].prices.retail"})


async def test_a_malformed_product_lists_every_field(client):
    headers = await bearer("manager")
    problem = await _refused(client, headers, {"name": "", "variants": [{"sku": 5, "barcodes": [{"code": "1", "x": 1}],
                                                                         "prices": []}], "vat": 20, "colour": "red"},
                             400, {"name", "colour", "vat", "variants[0].sku", "variants[0].barcodes[0].x",
                                   "variants[0].prices"})
    assert len(problem["errors"]) == 6
    await _refused(client, headers, {"name": "Кения", "variants": []}, 400, {"variants"})
    await _refused(client, headers, {"variants": [{}]}, 400, {"name"})


async def test_unknown_product_is_a_404_and_only_managers_create(client):
    headers = await bearer("manager")
    assert "999" in assert_russian_problem(await client.get("/api/v1/products/999", headers=headers), 404)["detail"]
    for role in ("picker", "courier", "cashier"):
        await _refused(client, await bearer(role, name=role), product_body(), 403)
    assert_russian_problem(await client.post("/api/v1/products", json=product_body()), 401)
    await create_product(client, await bearer("owner", name="owner"))
