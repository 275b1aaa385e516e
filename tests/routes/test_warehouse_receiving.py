"""The picker's side of receiving over HTTP: the list of expected receipts, the screen (no prices), scans
right and wrong as JSON, a replay, bins, −1, posting twice, malformed bodies as problem JSON, and who may
not come in."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest
from harness import csrf_headers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # receiving_helpers' own imports
from receiving_helpers import BIG, PACK, TEA, UNIT, dock  # noqa: E402

from server.domain.receiving.tables import ReceivingScan  # noqa: E402
from server.domain.stock.tables import StockDocument, StockDocumentLine  # noqa: E402
from tests.routes.manager_helpers import HTMX, count_testid, form, sign_in, texts, without_tokens  # noqa: E402

JSON = {"Accept": "application/json"}


async def send(client, receipt: int, code: str, *, uid: str | None = None, **extra):
    body = {"uuid": uid or uuid.uuid4().hex, "code": code, "device": "tsd-1", **extra}
    return await client.post(f"/warehouse/receiving/{receipt}/scans", json=body,
                             headers={**JSON, **csrf_headers(client)})


async def test_the_picker_sees_expected_receipts_and_the_screen_without_prices(client):
    d = await dock()
    await sign_in(client, "picker")
    listed = await client.get("/warehouse/receiving")
    assert listed.status_code == 200 and "Приходы к приёмке" in listed.text
    row = re.search(r'data-testid="receipt".*?</a>', listed.text, re.S).group(0)
    assert "ООО Зерно" in texts(row) and "ожидается штук: 12" in texts(row)
    screen = await client.get(f"/warehouse/receiving/{d.receipt}")
    assert screen.status_code == 200 and count_testid(screen.text, "receiving-line") == 2
    assert "/static/warehouse/receiving.js" in screen.text and "Разместить в B-01" in texts(screen.text)
    for page in (listed, screen):
        html = without_tokens(page.text)
        assert "₽" not in html and "410,00" not in html and "1500" not in html  # never prices
    fragment = await client.get(f"/warehouse/receiving/{d.receipt}", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "HX-Request" in fragment.headers["vary"]


async def test_scans_count_refuse_replay_and_take_back_as_json(client):
    d = await dock()
    await sign_in(client, "picker")
    ok = (await send(client, d.receipt, UNIT, uid="scan-00000001")).json()
    assert ok["accepted"] and ok["kind"] == "ok" and ok["counted"] == 1 and "1 из 10" in ok["message"]
    again = (await send(client, d.receipt, UNIT, uid="scan-00000001")).json()
    assert again["replayed"] and again["counted"] == 1
    unknown = (await send(client, d.receipt, "2999999999990")).json()
    assert not unknown["accepted"] and unknown["kind"] == "error" and "Неизвестный штрихкод" in unknown["message"]
    assert (await send(client, d.receipt, PACK)).json()["counted"] == 7
    bin_answer = (await send(client, d.receipt, "A-01")).json()
    assert bin_answer["result"] == "bin" and bin_answer["bin_address"] == "A-01" and bin_answer["kind"] == "ok"
    surplus = (await send(client, d.receipt, TEA, bin="A-01")).json()
    assert surplus["accepted"] and surplus["result"] == "surplus" and surplus["kind"] == "warn"
    undo = await client.post(f"/warehouse/receiving/{d.receipt}/undo", json={
        "uuid": "undo-00000001", "variant_id": d.sku["KEN-250"]}, headers={**JSON, **csrf_headers(client)})
    assert undo.status_code == 200 and undo.json()["counted"] == 6
    screen = await client.get(f"/warehouse/receiving/{d.receipt}")
    assert "Нет в ожидаемом приходе" in screen.text and count_testid(screen.text, "receiving-line") == 3
    assert await ReceivingScan.count() == 6


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"uuid": "scan-00000001"}', b'{"uuid": 5, "code": 7}',
                                 b'{"uuid": "scan-00000002", "code": "1", "qty": "many"}', b"",
                                 b'{"uuid": "short", "code": "460"}', b'{"uuid": "scan-00000003", "code": " "}'])
async def test_bad_scan_bodies_are_problem_json_and_count_nothing(client, raw):
    d = await dock()
    await sign_in(client, "picker")
    answer = await client.post(f"/warehouse/receiving/{d.receipt}/scans", content=raw,
                               headers={**JSON, **csrf_headers(client), "Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500, (raw, answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/problem+json") and answer.json()["detail"]
    assert await ReceivingScan.count() == 0


async def test_posting_makes_the_ledger_once_and_shows_the_result(client):
    d = await dock()
    await sign_in(client, "picker")
    empty = await client.post(f"/warehouse/receiving/{d.receipt}/post", data=form(client), follow_redirects=False)
    assert empty.status_code == 303
    refused = await client.get(f"/warehouse/receiving/{d.receipt}")
    assert "ничего не посчитано" in texts(refused.text)
    await send(client, d.receipt, UNIT)
    await send(client, d.receipt, BIG)
    done = await client.post(f"/warehouse/receiving/{d.receipt}/post", headers={**JSON, **csrf_headers(client)})
    assert done.status_code == 200 and done.json()["shortage"] == 10 and "проведён" in done.json()["message"]
    assert "price" not in str(done.json())
    doc = await StockDocument.select().where(StockDocument.id == d.receipt).first()
    assert doc["status"] == "posted" and "Недостача" in doc["comment"]  # the note in the manager's language
    assert sorted(r["qty"] for r in await StockDocumentLine.select().where(
        StockDocumentLine.document == d.receipt)) == [1, 1]
    twice = await client.post(f"/warehouse/receiving/{d.receipt}/post", headers={**JSON, **csrf_headers(client)})
    assert twice.status_code == 409 and "уже проведён" in twice.json()["detail"]
    again = await client.post(f"/warehouse/receiving/{d.receipt}/post", data=form(client), follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/warehouse/receiving/{d.receipt}"
    result = await client.get(f"/warehouse/receiving/{d.receipt}")
    assert "уже проведён" in texts(result.text) and "Приход проведён" in texts(result.text)
    assert re.search(r"недостача 10", texts(result.text)) and "post-receipt" not in result.text
    late = (await send(client, d.receipt, UNIT)).json()
    assert not late["accepted"] and late["result"] == "closed"
    listed = await client.get("/warehouse/receiving")
    assert count_testid(listed.text, "receipt") == 0


async def test_missing_receipts_are_404(client):
    await dock()
    await sign_in(client, "picker")
    assert (await client.get("/warehouse/receiving/999999")).status_code == 404
    missing = await send(client, 999999, UNIT)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    gone = await client.post("/warehouse/receiving/999999/post", data=form(client), follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/warehouse/receiving"


@pytest.mark.parametrize("role", ["courier", "cashier"])
async def test_couriers_and_cashiers_may_not_receive(client, role):
    d = await dock()
    await sign_in(client, role)
    assert (await client.get("/warehouse/receiving")).status_code == 403
    assert (await client.get(f"/warehouse/receiving/{d.receipt}")).status_code == 403
    scan = await send(client, d.receipt, UNIT)
    assert scan.status_code == 403 and scan.headers["content-type"].startswith("application/problem+json")
    posted = await client.post(f"/warehouse/receiving/{d.receipt}/post", headers={**JSON, **csrf_headers(client)})
    assert posted.status_code == 403 and await ReceivingScan.count() == 0


async def test_a_manager_may_receive_too(client):
    d = await dock()
    await sign_in(client, "manager")
    assert (await send(client, d.receipt, UNIT)).json()["accepted"]
