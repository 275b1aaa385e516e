"""Bad input to the API: RFC 9457 problem documents in Russian (English on request) that list every
problem with its field, change nothing, and are never a 500 — whatever the body."""

from __future__ import annotations

import asyncio
import json

from api_helpers import (
    CYRILLIC,
    PROBLEM,
    assert_russian_problem,
    bearer,
    counts,
    ean13,
    ledger,
    make_goods,
    warehouse,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from server.domain.users.tokens import create_token, revoke_token

POSTS = ("/api/v1/products", "/api/v1/documents/receipts", "/api/v1/documents/transfers",
         "/api/v1/documents/write-offs", "/api/v1/documents/inventories")
RECEIPTS = "/api/v1/documents/receipts"
PIECE = ean13("460123400001")


async def _goods() -> None:
    await warehouse("MAIN", "A-01")
    await warehouse("SHOP")
    await make_goods("KEN-250", (PIECE, 1), (ean13("460123400002"), 6))


async def _post_raw(client, url: str, raw: bytes, headers: dict, **extra: str):
    return await client.post(url, content=raw, headers={**headers, "content-type": "application/json", **extra})


async def test_malformed_json_empty_or_non_object_bodies_are_400_problems_on_every_post(client):
    headers = await bearer("manager")
    await _goods()
    before = await counts()
    for url in POSTS:
        for raw, kind in ((b'{"warehouse": "MAIN", "lines": [', "malformed_json"), (b"{'a': 1}", "malformed_json"),
                          (b'{"price": NaN}', "malformed_json"), (b"", "invalid_request"),
                          (b"[1, 2]", "invalid_request"), (b'"text"', "invalid_request"),
                          (b"null", "invalid_request")):
            problem = assert_russian_problem(await _post_raw(client, url, raw, headers), 400)
            assert problem["type"].endswith(kind), (url, raw, problem)
            assert problem["instance"] == url
    assert await counts() == before


async def test_wrong_types_unknown_and_missing_fields_are_all_listed(client):
    headers = await bearer("manager")
    await _goods()
    before = await counts()
    body = {"warehouse": True, "post": "yes", "colour": "red",
            "lines": [{"sku": "KEN-250"}, {"sku": 42, "qty": "3", "bin": []}, {"barcode": PIECE, "qty": 1, "extra": 1}]}
    problem = assert_russian_problem(await client.post(RECEIPTS, json=body, headers=headers), 400, fields={
        "warehouse", "post", "colour", "lines[0].qty", "lines[1].sku", "lines[1].qty", "lines[1].bin",
        "lines[2].extra"})
    assert len(problem["errors"]) == 8
    details = {e["field"]: e["detail"] for e in problem["errors"]}
    assert details["lines[0].qty"] == "Обязательное поле"
    assert details["colour"] == "Неизвестное поле"
    assert details["lines[1].qty"] == "Ожидалось целое число, получено строка"
    assert details["post"] == "Ожидалось true или false, получено строка"
    assert await counts() == before


async def test_english_on_request_russian_by_default(client):
    headers = await bearer("manager")
    await _goods()
    body = {"warehouse": "MAIN", "lines": [{"sku": "NOPE", "qty": 1}]}
    russian = await client.post(RECEIPTS, json=body, headers=headers)
    assert russian.json()["detail"] == "Строка 1: артикул NOPE не найден"
    by_header = await client.post(RECEIPTS, json=body, headers={**headers, "Accept-Language": "en-US,en;q=0.9"})
    by_query = await client.post(RECEIPTS + "?lang=en", json=body, headers=headers)
    client.cookies.clear()  # ?lang= is remembered in a cookie, as for a browser
    for response in (by_query, by_header):
        assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["detail"] == "Line 1: unknown SKU NOPE"
        assert problem["title"] == "The data did not pass the checks"
        assert not CYRILLIC.search(json.dumps(problem, ensure_ascii=False))
    preferred_ru = await client.post(RECEIPTS, json=body, headers={**headers, "Accept-Language": "en;q=0.5, ru"})
    assert CYRILLIC.search(preferred_ru.json()["detail"])
    malformed = await _post_raw(client, RECEIPTS + "?lang=en", b"{", headers)
    assert malformed.json()["detail"] == "The request body is not valid JSON"


async def test_missing_wrong_or_revoked_tokens_are_401(client):
    await _goods()
    issued = await create_token("shop-site", ["manager"])
    good = {"Authorization": f"Bearer {issued.token}"}
    assert (await client.get("/api/v1/warehouses", headers=good)).status_code == 200
    body = {"warehouse": "MAIN", "post": True, "lines": [{"sku": "KEN-250", "qty": 1}]}
    await revoke_token(issued.id)
    before = await counts()
    for headers in ({}, good, {"Authorization": "Bearer kl_not-a-token"}, {"Authorization": f"Basic {issued.token}"},
                    {"Authorization": "Bearer "}):
        for response in (await client.post(RECEIPTS, json=body, headers=headers),
                         await client.get("/api/v1/stock?sku=KEN-250", headers=headers)):
            problem = assert_russian_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert problem["errors"][0]["field"] == "Authorization"
    assert await counts() == before


async def test_a_picker_token_reads_but_may_not_write(client):
    await _goods()
    manager, picker = await bearer("manager"), await bearer("picker", name="scanner")
    draft = await client.post(RECEIPTS, json={"warehouse": "MAIN", "lines": [{"sku": "KEN-250", "qty": 2}]},
                              headers=manager)
    assert draft.status_code == 201
    assert (await client.get("/api/v1/stock?sku=KEN-250", headers=picker)).status_code == 200
    before, state = await counts(), await ledger()
    for url in (*POSTS, f"/api/v1/documents/{draft.json()['id']}/post",
                f"/api/v1/documents/{draft.json()['id']}/unpost"):
        problem = assert_russian_problem(await client.post(url, json={}, headers=picker), 403)
        assert problem["detail"] == "Ваша роль не даёт доступа к этому разделу"
        assert problem["type"].endswith("http_403")
    assert await counts() == before and await ledger() == state


async def test_unknown_paths_methods_and_ids_are_problems_too(client):
    headers = await bearer("manager")
    assert_russian_problem(await client.get("/api/v1/nothing-here", headers=headers), 404)
    assert_russian_problem(await client.delete("/api/v1/products", headers=headers), 405)
    for url in ("/api/v1/products/0", "/api/v1/products/99999999999", "/api/v1/documents/99999999999",
                "/api/v1/products?offset=99999999999", "/api/v1/documents?limit=1000"):
        response = await client.get(url, headers=headers)
        assert response.status_code in (400, 404), (url, response.text)
        assert_russian_problem(response, response.status_code)
    assert (await client.post("/api/v1/documents/99999999999/post", headers=headers)).status_code in (400, 404)
    for url in ("/api/v1/products?q=a%00b", "/api/v1/stock?sku=%00", "/api/v1/documents?q=%00"):
        assert_russian_problem(await client.get(url, headers=headers), 400)
    nul = {"name": "Кения\x00", "variants": [{"characteristics": {"Вес\x00": "1"}, "barcodes": [{"code": "\x00"}]}]}
    problem = assert_russian_problem(await client.post("/api/v1/products", json=nul, headers=headers), 400,
                                     fields={"name", "variants[0].characteristics", "variants[0].barcodes[0].code"})
    assert "NUL" in problem["errors"][0]["detail"]
    huge = {"warehouse": 2**40, "lines": [{"sku": "KEN-250", "qty": 1, "bin": 2**70}]}
    assert_russian_problem(await client.post(RECEIPTS, json=huge, headers=headers), 400,
                           fields={"warehouse", "lines[0].bin"})


# --- never a 500 ----------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10)
NAMES = st.sampled_from(["KEN-250", "ken-250", PIECE, ean13("460123400002"), "NOPE", "", " ", "A-01", "MAIN"])
MONEY = (st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1, max_value=10**6).map(str)
         | st.floats(min_value=-1, max_value=10**6) | st.integers(min_value=-1, max_value=10**6))
LINE = st.fixed_dictionaries({"qty": st.integers(min_value=-2, max_value=50)}, optional={
    "sku": NAMES, "barcode": NAMES, "bin": st.sampled_from(["A-01", "a-01", "Z-9", 1, 2, 999]),
    "dest_bin": st.sampled_from(["A-01", 1, 3]), "price": MONEY,
    "price_kopecks": st.integers(min_value=-1, max_value=10**7)})
DOCUMENT = st.fixed_dictionaries({
    "warehouse": st.sampled_from(["MAIN", "shop", "NOPE", 1, 2, 999]),
    "lines": st.lists(LINE, min_size=1, max_size=3)}, optional={
    "dest_warehouse": st.sampled_from(["SHOP", "MAIN", 1, None]), "reason": st.text(max_size=250),
    "supplier": st.text(max_size=5), "comment": st.text(max_size=5), "post": st.booleans()})
BARCODE = st.fixed_dictionaries({"code": st.sampled_from([PIECE, "4601234000018", "123", "штрих", " 1", "ABC-1"])},
                                optional={"kind": st.sampled_from(["ean13", "ean8", "upca", "code128", "internal",
                                                                   "qr"]),
                                          "multiplier": st.integers(min_value=1, max_value=12)})
VARIANT = st.fixed_dictionaries({}, optional={
    "sku": NAMES | st.text(max_size=8), "characteristics": st.dictionaries(st.text(max_size=5), st.text(max_size=5),
                                                                          max_size=2),
    "barcodes": st.lists(BARCODE, max_size=3),
    "prices": st.dictionaries(st.sampled_from(["retail", "purchase", "bogus"]), MONEY, max_size=2),
    "prices_kopecks": st.dictionaries(st.sampled_from(["retail", "x"]), st.integers(min_value=-1, max_value=10**9),
                                      max_size=2),
    "generate_barcode": st.booleans()})
PRODUCT = st.fixed_dictionaries({"name": st.text(min_size=1, max_size=20), "variants": st.lists(VARIANT, min_size=1,
                                                                                     max_size=3)}, optional={
    "category_id": st.integers(min_value=-1, max_value=3), "unit_code": st.sampled_from(["796", "166", "x"]),
    "vat": st.sampled_from(["20", "10", "0", "none", "18"]), "weight_g": st.integers(min_value=-1, max_value=10**4),
    "image_urls": st.lists(st.sampled_from(["https://x.ru/a.jpg", "ftp://x", "nope"]), max_size=2),
    "properties": st.dictionaries(st.text(max_size=5), st.text(max_size=3) | st.integers() | st.floats(),
                                  max_size=2)})


def _mutated(valid: st.SearchStrategy) -> st.SearchStrategy:
    """A body that is right but for one value (or one key too many), anywhere one level down."""
    def change(body: dict, key: str, value, deep: bool) -> dict:
        changed = json.loads(json.dumps(body))
        target = changed
        for nested in ("lines", "variants"):
            items = changed.get(nested)
            if deep and isinstance(items, list) and items and isinstance(items[0], dict):
                target = items[0]
        target[key] = value
        return changed
    keys = st.sampled_from(["warehouse", "lines", "qty", "sku", "barcode", "bin", "price", "post", "name",
                            "variants", "barcodes", "prices", "unknown"])
    return st.builds(change, valid, keys, JSON_VALUES, st.booleans())


def _encode(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body, allow_nan=True, ensure_ascii=False).encode()


def _bodies(valid) -> st.SearchStrategy:
    return st.one_of(valid, _mutated(valid), JSON_VALUES).map(_encode) | st.binary(max_size=40)


FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


async def test_no_body_on_any_post_endpoint_gets_a_500(client):
    """A few dozen malformed or half-right bodies per endpoint: always an answer below 500, and every
    refusal is a problem document. Hypothesis drives a synchronous function in a worker thread that
    hands each request to the test's event loop."""
    headers = await bearer("manager")
    await _goods()
    loop = asyncio.get_running_loop()
    seen: dict[str, set[int]] = {}

    def send(url: str, raw: bytes) -> None:
        response = asyncio.run_coroutine_threadsafe(_post_raw(client, url, raw, headers), loop).result()
        assert response.status_code < 500, (url, raw, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith(PROBLEM), response.text
            assert response.json()["errors"], response.text
        seen.setdefault(url, set()).add(response.status_code)

    @FUZZ
    @given(raw=_bodies(PRODUCT))
    @example(raw=_encode({"name": "Кения", "variants": [{"barcodes": [{"code": "4601234000018"}]}]}))
    @example(raw=b'{"name": 1}')
    def products(raw: bytes) -> None:
        send("/api/v1/products", raw)

    def documents(url: str):
        @FUZZ
        @given(raw=_bodies(DOCUMENT))
        @example(raw=_encode({"warehouse": "MAIN", "lines": [{"sku": "NOPE", "qty": 1}]}))
        @example(raw=b'{"warehouse": "MAIN", "lines": [{"qty": "1"}]}')
        def run(raw: bytes) -> None:
            send(url, raw)
        return run

    await asyncio.to_thread(products)
    for url in POSTS[1:]:
        await asyncio.to_thread(documents(url))
    for url in POSTS:
        assert {400, 422} <= seen[url], (url, seen[url])  # the explicit examples reach both kinds of check
