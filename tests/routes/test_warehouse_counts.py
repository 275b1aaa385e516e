"""The inventory count over HTTP: the list and starting one, the screen (blind: no book quantities, no prices),
scans as JSON (bin, goods, unknown code, replay, malformed body as problem JSON), a typed quantity, «bin
counted», recount, submitting with a confirmation, the manager's review of the draft, and who may not come."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest
from harness import csrf_headers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import floor  # noqa: E402

from server.domain.counting.tables import CountLine, InventoryCount  # noqa: E402
from server.domain.stock.tables import StockDocument, StockDocumentLine  # noqa: E402
from tests.routes.manager_helpers import HTMX, form, sign_in, texts, without_tokens  # noqa: E402

JSON = {"Accept": "application/json"}


async def start(client, wh: int, zone: str = "") -> int:
    answer = await client.post("/warehouse/counts", data=form(client, warehouse_id=str(wh), zone=zone),
                               follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/warehouse/counts/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


async def send(client, count_id: int, code: str, *, uid: str | None = None):
    body = {"uuid": uid or uuid.uuid4().hex, "code": code, "device": "tsd-1", "scanned_at": "2026-12-06T08:00:00Z"}
    return await client.post(f"/warehouse/counts/{count_id}/scans", json=body, headers={**JSON, **csrf_headers(client)})


async def test_a_picker_counts_a_bin_and_submits_a_draft_for_the_manager(client):
    f = await floor()
    await sign_in(client, "picker")
    listing = await client.get("/warehouse/counts")
    assert listing.status_code == 200 and "Инвентаризация" in listing.text
    assert 'data-testid="count-start-form"' in listing.text and 'value="A"' in listing.text  # zones offered
    count_id = await start(client, f.wh)
    assert f'data-count-id="{count_id}"' in (await client.get("/warehouse/counts")).text

    opened = await send(client, count_id, "A-01")
    assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"
    assert (opened.json()["result"], opened.json()["kind"]) == ("bin", "ok")
    assert "A-01" in opened.json()["message"] and "отсканируйте товары" in opened.json()["message"]
    box = (await send(client, count_id, f.pack)).json()
    assert (box["result"], box["units"], box["qty"]) == ("ok", 6, 6)
    assert box["message"] == "Кения АА, зерно: посчитано 6 в ячейке A-01"
    wrong = (await send(client, count_id, "9999999999")).json()
    assert (wrong["result"], wrong["accepted"], wrong["kind"]) == ("unknown", False, "error")
    assert "9999999999" in wrong["message"] and "Неизвестный код" in wrong["message"]

    screen = await client.get(f"/warehouse/counts/{count_id}")
    assert screen.status_code == 200 and 'data-testid="current-bin">A-01<' in screen.text
    assert 'data-sku="KEN-250"' in screen.text and "Помол: зерно" in screen.text
    assert 'value="6" data-testid="line-qty"' in screen.text
    # blind: the ledger holds 20 of KEN-250 in A-01, and no price or book quantity is on the page
    assert not re.search(r"\b20\b", texts(screen.text)) and "₽" not in screen.text and (
        "890" not in without_tokens(screen.text))
    assert "учёт" not in texts(screen.text).lower()

    bin_id = opened.json()["count_bin_id"]
    typed = await client.post(f"/warehouse/counts/{count_id}/bins/{bin_id}/qty",
                              data=form(client, variant=str(f.sku["KEN-250"]), qty="17"), headers=HTMX)
    assert typed.status_code == 200 and "<html" not in typed.text and 'value="17"' in typed.text
    assert 'hx-swap-oob="true"' in typed.text and "посчитано 17" in typed.text
    bad = await client.post(f"/warehouse/counts/{count_id}/bins/{bin_id}/qty",
                            data=form(client, variant=str(f.sku["KEN-250"]), qty="много"), headers=HTMX)
    assert bad.status_code == 200 and 'data-kind="error"' in bad.text and "целым числом" in bad.text
    done = await client.post(f"/warehouse/counts/{count_id}/bins/{bin_id}/done", data=form(client),
                             follow_redirects=False)
    assert done.status_code == 303
    await send(client, count_id, "B-01")  # opened, not finished

    ask = await client.post(f"/warehouse/counts/{count_id}/submit", data=form(client), headers=HTMX)
    assert 'data-testid="count-confirm"' in ask.text and "Ячеек ещё не досчитано: 1" in texts(ask.text)
    assert await StockDocument.count() == 1  # the floor's receipt only: asking changed nothing
    sent = await client.post(f"/warehouse/counts/{count_id}/submit", data=form(client, confirm="1"), headers=HTMX)
    assert sent.status_code == 200 and 'data-testid="count-submitted"' in sent.text
    doc = await StockDocument.select().where(StockDocument.kind == "inventory").first()
    assert doc["status"] == "draft" and doc["number"] in sent.text
    lines = await StockDocumentLine.select(StockDocumentLine.variant, StockDocumentLine.qty).where(
        StockDocumentLine.document == doc["id"])
    assert lines == [{"variant": f.sku["KEN-250"], "qty": 17}]
    again = await client.post(f"/warehouse/counts/{count_id}/submit", data=form(client, confirm="1"), headers=HTMX)
    assert "уже сдан" in again.text and await StockDocument.count().where(StockDocument.kind == "inventory") == 1


async def test_the_manager_reviews_book_counted_and_difference_before_posting(client):
    f = await floor()
    await sign_in(client, "manager")
    count_id = await start(client, f.wh)
    opened = (await send(client, count_id, "C-01")).json()
    for _ in range(7):
        await send(client, count_id, f.codes["GR-1"])  # 5 on the books
    await client.post(f"/warehouse/counts/{count_id}/bins/{opened['count_bin_id']}/done", data=form(client))
    await client.post(f"/warehouse/counts/{count_id}/submit", data=form(client, confirm="1"))
    head = await InventoryCount.select().where(InventoryCount.id == count_id).first()
    screen = await client.get(f"/warehouse/counts/{count_id}")
    assert f'href="/manager/documents/{head["document"]}"' in screen.text  # a manager may open it
    review = await client.get(f"/manager/documents/{head['document']}")
    assert review.status_code == 200
    rows = {sku: row for sku, row in re.findall(r'data-testid="review-line" data-sku="([^"]+)"(.*?)</tr>', review.text, re.S)}
    assert set(rows) == {"GR-1", "KEN-250-M", "TS-M"}
    assert re.findall(r'data-testid="review-(?:counted|book|diff)">([^<]*)<', rows["GR-1"]) == ["5", "7", "+2"]
    assert re.findall(r'data-testid="review-(?:counted|book|diff)">([^<]*)<', rows["TS-M"]) == ["10", "0", "-10"]


async def test_a_done_bin_is_recounted_from_zero(client):
    f = await floor()
    await sign_in(client, "picker")
    count_id = await start(client, f.wh)
    bin_id = (await send(client, count_id, "A-01")).json()["count_bin_id"]
    await send(client, count_id, f.pack)
    await client.post(f"/warehouse/counts/{count_id}/bins/{bin_id}/done", data=form(client))
    again = (await send(client, count_id, "A-01")).json()
    assert (again["result"], again["kind"]) == ("bin_done", "warn") and "Пересчитать" in again["message"]
    reopened = await client.post(f"/warehouse/counts/{count_id}/bins/{bin_id}/reopen", data=form(client), headers=HTMX)
    assert reopened.status_code == 200 and 'data-testid="current-bin">A-01<' in reopened.text
    assert await CountLine.count() == 0


async def test_a_replayed_scan_counts_once_and_malformed_bodies_are_problem_json(client):
    f = await floor()
    await sign_in(client, "picker")
    count_id = await start(client, f.wh)
    await send(client, count_id, "A-01")
    first = (await send(client, count_id, f.pack, uid="replay-0001")).json()
    second = (await send(client, count_id, f.pack, uid="replay-0001")).json()
    assert (first["replayed"], second["replayed"], second["qty"]) == (False, True, 6)
    for body in ({"code": "A-01"}, {"uuid": "short", "code": "A-01"}, {"uuid": "x" * 10, "code": 5}, "not json"):
        answer = await client.post(f"/warehouse/counts/{count_id}/scans", headers={**JSON, **csrf_headers(client)},
                                   **({"json": body} if isinstance(body, dict) else {"content": body}))
        assert answer.status_code in (400, 422), (body, answer.status_code)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["detail"]
    missing = await send(client, count_id + 50, "A-01")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert (await CountLine.select(CountLine.qty).first())["qty"] == 6


async def test_starting_a_count_of_an_unknown_zone_re_renders_the_list_with_the_reason(client):
    f = await floor()
    await sign_in(client, "picker")
    answer = await client.post("/warehouse/counts", data=form(client, warehouse_id=str(f.wh), zone="Q"))
    assert answer.status_code == 422 and "нет ячеек в зоне Q" in answer.text
    assert await InventoryCount.count() == 0


@pytest.mark.parametrize("role", ["courier", "cashier"])
async def test_couriers_and_cashiers_may_not_count(client, role):
    f = await floor()
    await sign_in(client, role)
    assert (await client.get("/warehouse/counts")).status_code == 403
    answer = await client.post("/warehouse/counts", data=form(client, warehouse_id=str(f.wh)), follow_redirects=False)
    assert answer.status_code == 403
    assert await InventoryCount.count() == 0
