"""The manager sees what the warehouse received on a receipt posted from the device: expected / received /
difference per item (the shortage and the surplus marked), the totals, who posted it; a receipt posted in
the office, without the device, shows no such table."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # receiving_helpers' own imports
from receiving_helpers import BIG, TEA, UNIT, dock, scan  # noqa: E402

from server.domain.receiving.posting import post_receiving  # noqa: E402
from server.domain.receiving.queries import receiving_result  # noqa: E402
from server.domain.stock.documents import post_document  # noqa: E402
from tests.routes.manager_helpers import by_testid, count_testid, sign_in, texts  # noqa: E402


def _rows(html: str) -> dict[str, dict]:
    """Each line of the received table: its state and the visible text of its cells."""
    found = {}
    for sku, state, body in re.findall(
            r'<tr data-testid="received-line" data-sku="([^"]+)"\s+data-state="([^"]+)">(.*?)</tr>', html, re.S):
        cells = [texts(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", body, re.S)]
        found[sku] = {"state": state, "cells": cells, "html": body}
    return found


async def test_a_receipt_received_on_the_device_shows_expected_received_and_the_difference(client):
    d = await dock()  # expects KEN-250 × 10 and KEN-1000 × 2
    for _ in range(7):
        await scan(d.receipt, UNIT)  # KEN-250: 7 of 10, short 3
    for _ in range(3):
        await scan(d.receipt, BIG)  # KEN-1000: 3 of 2, one over
    await scan(d.receipt, TEA, bin_code="A-01")  # TEA-100: not expected at all
    await post_receiving(d.receipt, actor="picker")

    result = await receiving_result(d.receipt)
    assert (result["expected"], result["counted"], result["shortage"], result["surplus"]) == (12, 11, 3, 2)
    assert result["received_by"] == "picker" and result["scanned_by"] == ["picker"]

    await sign_in(client, "manager")
    page = await client.get(f"/manager/documents/{d.receipt}")
    assert page.status_code == 200
    html = page.text
    assert count_testid(html, "received-table") == 1
    assert '<caption class="visually-hidden">Приёмка на складе: ожидалось / принято / расхождение</caption>' in html
    headers = [texts(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>',
                                            html.split('data-testid="received-table"')[1].split("</thead>")[0])]
    assert headers == ["Товары", "Ожидалось", "Принято", "Расхождение"]
    rows = _rows(html)
    assert list(rows) == ["KEN-250", "KEN-1000", "TEA-100"]  # the document's order, the surplus goods last
    assert rows["KEN-250"]["cells"][1:] == ["10", "7", "−3 недостача 3"]
    assert rows["KEN-1000"]["cells"][1:] == ["2", "3", "+1 излишки 1"]
    assert rows["TEA-100"]["cells"][1:] == ["0", "1", "+1 излишки 1"]
    assert "Кения АА" in rows["KEN-250"]["cells"][0] and "Сенча" in rows["TEA-100"]["cells"][0]
    assert [r["state"] for r in rows.values()] == ["short", "surplus", "surplus"]
    assert 'class="num neg"' in rows["KEN-250"]["html"]  # the shortage in red
    assert 'class="num rr-over"' in rows["TEA-100"]["html"] and "neg" not in rows["TEA-100"]["html"]  # in amber
    assert by_testid(html, "received-total-expected") == ["12"] and by_testid(html, "received-total-counted") == ["11"]
    assert by_testid(html, "received-shortage") == ["Недостача: 3\N{NO-BREAK SPACE}шт."]
    assert by_testid(html, "received-surplus") == ["Излишек: 2\N{NO-BREAK SPACE}шт."]
    assert "провёл picker" in texts(html) and "Считали: picker" in texts(html)


async def test_a_receipt_posted_without_the_device_shows_no_received_table(client):
    d = await dock()
    await post_document(d.receipt, actor="manager")  # posted in the office: nothing was scanned
    assert await receiving_result(d.receipt) is None
    await sign_in(client, "manager")
    page = await client.get(f"/manager/documents/{d.receipt}")
    assert page.status_code == 200 and 'data-testid="lines-table"' in page.text
    assert count_testid(page.text, "receiving-result") == 0 and "Приёмка на складе" not in page.text


async def test_a_receipt_received_exactly_says_so(client):
    d = await dock()
    for _ in range(10):
        await scan(d.receipt, UNIT)
    for _ in range(2):
        await scan(d.receipt, BIG)
    await post_receiving(d.receipt, actor="picker")
    await sign_in(client, "manager")
    html = (await client.get(f"/manager/documents/{d.receipt}")).text
    assert by_testid(html, "received-exact") == ["Всё совпало с ожидаемым"]
    assert count_testid(html, "received-shortage") == 0 and count_testid(html, "received-surplus") == 0
    assert [r["cells"][3] for r in _rows(html).values()] == ["0", "0"]
