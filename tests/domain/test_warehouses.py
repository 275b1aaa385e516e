"""Warehouses and bins: change and close a warehouse, generate bins in a snake walk, change and close
a bin, the lists with what each holds; every refusal names what is wrong and changes nothing."""

from __future__ import annotations

import asyncio

import pytest
from stock_helpers import make_variants, make_warehouse, receive, snapshot

from server.domain.audit.log import history
from server.domain.audit.tables import AuditEntry
from server.domain.stock.bins import (
    BinFilter,
    BinRange,
    bins_page,
    create_bins_range,
    get_bin,
    plan_range,
    preview_bins_range,
    search_bins,
    update_bin,
)
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput, ReserveRequest
from server.domain.stock.reservations import release, reserve
from server.domain.stock.tables import Bin, Warehouse
from server.domain.stock.warehouses import (
    create_bin,
    create_warehouse,
    get_warehouse,
    list_bins,
    update_warehouse,
    warehouse_totals,
)
from server.errors import Conflict, NotFound, ValidationFailed
from server.web.i18n import translate_error


async def _state() -> dict:
    """Everything these services could change."""
    return {"ledger": await snapshot(), "warehouses": await Warehouse.select().order_by(Warehouse.id),
            "bins": await Bin.select().order_by(Bin.id), "audit": await AuditEntry.count()}


async def _addresses(warehouse_id: int) -> list[tuple[str, int]]:
    rows = await Bin.select(Bin.address, Bin.pick_seq).where(Bin.warehouse == warehouse_id).order_by(Bin.pick_seq)
    return [(r["address"], r["pick_seq"]) for r in rows]


def _russian(exc) -> list[str]:
    return [translate_error(p.message, p.params, "ru") for p in exc.problems or [exc]]


# --- generating bins ------------------------------------------------------------------------------

async def test_a_range_is_walked_like_a_snake_and_continues_after_the_last_bin():
    wh = await make_warehouse("MAIN")
    await create_bin(wh, "Z")  # pick_seq 10
    ids = await create_bins_range(wh, BinRange("a", racks=(1, 2), shelves=(1, 2), cells=(1, 2)), actor="anna")
    assert len(ids) == 8
    assert await _addresses(wh) == [
        ("Z", 10),
        ("A-01-01-01", 20), ("A-01-01-02", 30), ("A-01-02-01", 40), ("A-01-02-02", 50),  # rack 1 there
        ("A-02-02-02", 60), ("A-02-02-01", 70), ("A-02-01-02", 80), ("A-02-01-01", 90),  # rack 2 back
    ]
    assert [b["id"] for b in await list_bins(wh)][1:] == ids  # returned in walking order
    (entry,) = await history("warehouse", wh, limit=1)
    assert entry["action"] == "bin.create_range" and entry["actor"] == "anna"
    assert entry["changes"] == {"warehouse": "MAIN", "count": 8, "first": "A-01-01-01", "last": "A-02-01-01",
                                "pick_seq": [20, 90]}
    # A second range goes on after the first; the parity is the rack's number, not its place in the range.
    await create_bins_range(wh, BinRange("A", racks=(4, 5), shelves=(1, 1), cells=(1, 2)))
    assert (await _addresses(wh))[-4:] == [("A-04-01-02", 100), ("A-04-01-01", 110), ("A-05-01-01", 120),
                                           ("A-05-01-02", 130)]


async def test_numbers_are_padded_to_two_digits_or_to_the_widest_one():
    plan = plan_range(BinRange("b", racks=(8, 12)))
    assert [plan.address(n) for n in range(plan.count)] == ["B-08", "B-09", "B-10", "B-11", "B-12"]
    plan = plan_range(BinRange("К", racks=(1, 1), shelves=(3, None), cells=(99, 100)))
    assert [plan.address(n) for n in range(plan.count)] == ["К-01-03-099", "К-01-03-100"]
    assert plan_range(BinRange(" priem ")).addresses == [("PRIEM", "", "", "")]  # a zone alone is one bin
    wh = await make_warehouse("MAIN")
    assert len(await create_bins_range(wh, BinRange("A", racks=(1, 20), shelves=(1, 10), cells=(1, 10)))) == 2000


async def test_a_range_with_existing_addresses_is_refused_whole_naming_each_of_them():
    wh = await make_warehouse("MAIN")
    await create_bin(wh, "A", "02", "01")
    await create_bins_range(wh, BinRange("A", racks=(3, 3), shelves=(1, 2)))
    await update_bin((await search_bins(wh, BinFilter(query="A-03-02")))[0][0]["id"], active=False)
    before = await _state()
    with pytest.raises(Conflict) as caught:
        await create_bins_range(wh, BinRange("A", racks=(1, 3), shelves=(1, 2)))
    assert caught.value.params == {"count": 3, "warehouse": "MAIN", "addresses": "A-02-01, A-03-01, A-03-02"}
    assert _russian(caught.value) == ["Ячейки уже есть на складе MAIN (3): A-02-01, A-03-01, A-03-02"]
    assert await _state() == before


@pytest.mark.parametrize(("spec", "fields"), [
    (BinRange("", racks=(1, 2)), {"zone"}),
    (BinRange("A-1", racks=(1, 2)), {"zone"}),
    (BinRange("A", racks=(5, 2)), {"racks"}),
    (BinRange("A", racks=("abc", 2)), {"racks"}),
    (BinRange("A", racks=(1, 10_000)), {"racks"}),
    (BinRange("A", racks=(-1, 2)), {"racks"}),
    (BinRange("A", shelves=(1, 2)), {"racks"}),
    (BinRange("A", racks=(1, 2), cells=(1, 2)), {"shelves"}),
    (BinRange("A", racks=(1, 21), shelves=(1, 10), cells=(1, 10)), {""}),
    (BinRange("", racks=(3, 1), shelves=("x", 2), cells=(1, True)), {"zone", "racks", "shelves", "cells"}),
])
async def test_a_bad_range_is_refused_with_every_problem_and_changes_nothing(spec, fields):
    wh = await make_warehouse("MAIN")
    before = await _state()
    with pytest.raises(ValidationFailed) as caught:
        await create_bins_range(wh, spec)
    assert {p.field for p in caught.value.problems or [caught.value]} == fields
    assert all(any("а" <= ch <= "я" for ch in text.lower()) for text in _russian(caught.value))
    assert await _state() == before


async def test_bins_cannot_be_added_to_a_closed_or_unknown_warehouse():
    wh = await make_warehouse("OLD")
    await update_warehouse(wh, active=False)
    before = await _state()
    with pytest.raises(Conflict, match="OLD is closed"):
        await create_bins_range(wh, BinRange("A", racks=(1, 2)))
    with pytest.raises(Conflict, match="OLD is closed"):
        await create_bin(wh, "A", "01")
    with pytest.raises(NotFound):
        await create_bins_range(wh + 100, BinRange("A", racks=(1, 2)))
    assert await _state() == before


async def test_the_preview_counts_without_making_anything():
    wh = await make_warehouse("MAIN")
    await create_bin(wh, "A", "02", "01", pick_seq=500)
    before = await _state()
    preview = await preview_bins_range(wh, BinRange("a", racks=(1, 2), shelves=(1, 3)))
    assert (preview.count, preview.first, preview.last) == (6, "A-01-01", "A-02-01")
    assert preview.existing == ["A-02-01"] and preview.first_pick_seq == 510
    assert await _state() == before
    with pytest.raises(ValidationFailed):
        await preview_bins_range(wh, BinRange("A", racks=(2, 1)))


async def test_two_overlapping_ranges_at_once_make_one_and_refuse_the_other():
    wh = await make_warehouse("MAIN")

    async def attempt(spec: BinRange) -> str:
        try:
            await create_bins_range(wh, spec)
        except Conflict:
            return "refused"
        return "made"

    outcomes = await asyncio.gather(attempt(BinRange("A", racks=(1, 5), shelves=(1, 4))),
                                    attempt(BinRange("A", racks=(5, 9), shelves=(1, 4))))
    assert sorted(outcomes) == ["made", "refused"]
    seqs = [seq for _a, seq in await _addresses(wh)]
    assert len(seqs) == 20 and len(set(seqs)) == 20


# --- changing a bin -------------------------------------------------------------------------------

async def test_a_bin_moves_in_the_walk_and_is_closed_and_reopened_with_audit():
    wh = await make_warehouse("MAIN")
    first, second = await create_bin(wh, "A", "01"), await create_bin(wh, "A", "02")
    row = await update_bin(second, pick_seq=5, actor="anna")
    assert row["pick_seq"] == 5 and [b["address"] for b in await list_bins(wh)] == ["A-02", "A-01"]
    await update_bin(first, active=False, actor="anna")
    assert [b["address"] for b in await list_bins(wh)] == ["A-02"]
    assert (await get_bin(first))["active"] is False
    audit = await history("bin", first, limit=5)
    assert audit[0]["action"] == "bin.close" and audit[0]["changes"]["active"] == {"old": True, "new": False}
    count = await AuditEntry.count()
    assert (await update_bin(first, active=False))["active"] is False  # nothing to change: no audit row
    assert await AuditEntry.count() == count
    await update_bin(first, active=True)
    assert [b["address"] for b in await list_bins(wh)] == ["A-02", "A-01"]
    with pytest.raises(NotFound):
        await update_bin(first, pick_seq=1, warehouse_id=wh + 1)  # a bin of another warehouse


@pytest.mark.parametrize("pick_seq", [-1, 1_000_000_001, "10", True, 1.5])
async def test_a_bad_pick_sequence_is_refused_and_changes_nothing(pick_seq):
    wh = await make_warehouse("MAIN")
    bin_id = await create_bin(wh, "A", "01")
    before = await _state()
    with pytest.raises(ValidationFailed) as caught:
        await update_bin(bin_id, pick_seq=pick_seq)
    assert caught.value.field == "pick_seq"
    assert _russian(caught.value) == ["Порядок обхода — целое число от 0 до 1000000000"]
    assert await _state() == before


async def test_a_bin_that_holds_goods_cannot_be_closed():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    shelf, spare = await create_bin(wh, "A", "01"), await create_bin(wh, "A", "02")
    await receive(wh, (a, 4, 100, shelf), (b, 3, 100, shelf))
    before = await _state()
    with pytest.raises(Conflict) as caught:
        await update_bin(shelf, active=False, pick_seq=1)
    assert caught.value.params == {"address": "A-01", "units": 7, "skus": 2}
    assert _russian(caught.value) == ["В ячейке A-01 ещё лежит товар — позиций: 2, единиц: 7. Переместите его "
                                      "в другую ячейку, прежде чем закрывать эту"]
    assert await _state() == before
    assert [(g["sku"], g["on_hand"]) for g in (await get_bin(shelf))["goods"]] == [("A-1", 4), ("B-1", 3)]
    moved = [LineInput(a, 4, bin_id=shelf, dest_bin_id=spare), LineInput(b, 3, bin_id=shelf, dest_bin_id=spare)]
    await create_document(DocumentInput("transfer", wh, moved), post=True)
    assert (await update_bin(shelf, active=False))["active"] is False


async def test_a_bin_below_zero_cannot_be_closed():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("SHOP", allow_negative=True)
    shelf = await create_bin(wh, "K", "01")
    await create_document(DocumentInput("write_off", wh, [LineInput(a, 2, bin_id=shelf)], reason="недостача"),
                          post=True)
    with pytest.raises(Conflict) as caught:
        await update_bin(shelf, active=False)
    assert caught.value.params == {"address": "K-01", "units": 2, "skus": 1}


# --- changing and closing a warehouse -------------------------------------------------------------

async def test_a_warehouse_is_renamed_with_an_audit_of_what_changed():
    wh = await make_warehouse("MAIN")
    row = await update_warehouse(wh, name="  Основной склад ", address="Москва, ул. Складская, 1",
                                 allow_negative=True, actor="anna")
    assert (row["code"], row["name"], row["allow_negative"], row["active"]) == ("MAIN", "Основной склад", True, True)
    stored = await get_warehouse(wh)
    assert (stored["name"], stored["address"], stored["allow_negative"]) == ("Основной склад",
                                                                              "Москва, ул. Складская, 1", True)
    (entry,) = await history("warehouse", wh, limit=1)
    assert entry["action"] == "warehouse.update" and entry["actor"] == "anna"
    assert entry["changes"] == {"code": "MAIN", "name": {"old": "Склад MAIN", "new": "Основной склад"},
                                "address": {"old": "", "new": "Москва, ул. Складская, 1"},
                                "allow_negative": {"old": False, "new": True}}
    count = await AuditEntry.count()
    await update_warehouse(wh, name="Основной склад")  # the same name: nothing written
    assert await AuditEntry.count() == count


async def test_bad_warehouse_changes_are_refused_together_and_change_nothing():
    wh = await make_warehouse("MAIN")
    before = await _state()
    with pytest.raises(ValidationFailed) as caught:
        await update_warehouse(wh, name=" ", address="x" * 301)
    assert {p.field for p in caught.value.problems} == {"name", "address"}
    with pytest.raises(NotFound):
        await update_warehouse(wh + 1, name="Другой")
    assert await _state() == before


async def test_a_warehouse_with_stock_or_reservations_cannot_be_closed_and_says_how_much():
    a, b = await make_variants("A-1", "B-1")
    wh = await make_warehouse("MAIN")
    await receive(wh, (a, 10, 100), (b, 2, 100))
    await reserve("order:7", wh, [ReserveRequest(a, 3)])
    await reserve("order:8", wh, [ReserveRequest(b, 1)])
    before = await _state()
    with pytest.raises(Conflict) as caught:
        await update_warehouse(wh, name="Новое имя", active=False)
    assert [p.params for p in caught.value.problems] == [{"code": "MAIN", "units": 12, "skus": 2},
                                                         {"code": "MAIN", "units": 4, "orders": 2}]
    assert _russian(caught.value) == [
        "На складе MAIN ещё лежит товар — позиций: 2, единиц: 12. Переместите или спишите его, прежде чем "
        "закрывать склад",
        "На складе MAIN есть резервы — единиц: 4, заказов: 2. Снимите резервы, прежде чем закрывать склад"]
    assert translate_error(caught.value.message, caught.value.params, "ru") == "Склад MAIN нельзя закрыть"
    assert await _state() == before  # the name did not change either

    await release("order:7")
    await release("order:8")
    await create_document(DocumentInput("write_off", wh, [LineInput(a, 10), LineInput(b, 2)], reason="брак"),
                          post=True)
    row = await update_warehouse(wh, active=False, actor="anna")
    assert row["active"] is False and (await get_warehouse(wh))["active"] is False
    (entry,) = await history("warehouse", wh, limit=1)
    assert entry["action"] == "warehouse.close" and entry["changes"]["active"] == {"old": True, "new": False}
    await update_warehouse(wh, active=True)
    assert (await get_warehouse(wh))["active"] is True


async def test_a_warehouse_below_zero_cannot_be_closed_or_forbid_negative_stock():
    (a,) = await make_variants("A-1")
    wh = await make_warehouse("SHOP", allow_negative=True)
    await create_document(DocumentInput("write_off", wh, [LineInput(a, 3)], reason="недостача"), post=True)
    before = await _state()
    with pytest.raises(Conflict) as caught:
        await update_warehouse(wh, allow_negative=False)
    assert caught.value.field == "allow_negative" and caught.value.params == {"code": "SHOP", "skus": 1}
    with pytest.raises(Conflict) as caught:
        await update_warehouse(wh, active=False)
    assert caught.value.params == {"code": "SHOP", "units": 3, "skus": 1}
    assert await _state() == before


# --- the lists ------------------------------------------------------------------------------------

async def test_the_lists_say_what_each_warehouse_and_bin_holds():
    a, b = await make_variants("A-1", "B-1")
    main, shop = await make_warehouse("MAIN"), await make_warehouse("SHOP")
    await create_bins_range(main, BinRange("A", racks=(1, 2), shelves=(1, 2)))
    await create_bins_range(main, BinRange("B_1", racks=(1, 1)))
    bins = {r["address"]: r["id"] for r in await list_bins(main)}
    await receive(main, (a, 5, 1000, bins["A-01-01"]), (b, 2, 500, bins["A-01-01"]), (a, 1, 1000, bins["A-02-02"]))
    await reserve("order:1", main, [ReserveRequest(a, 2)])
    await update_warehouse(shop, active=False)
    totals = {w["code"]: w for w in await warehouse_totals()}
    assert [w["code"] for w in await warehouse_totals()] == ["MAIN", "SHOP"]
    assert {k: totals["MAIN"][k] for k in ("bins", "skus", "units", "reserved", "value", "active")} == {
        "bins": 5, "skus": 2, "units": 8, "reserved": 2, "value": 7000, "active": True}
    assert (totals["SHOP"]["units"], totals["SHOP"]["active"]) == (0, False)

    rows, total = await search_bins(main)
    assert total == 5 and [(r["address"], r["skus"], r["units"]) for r in rows] == [
        ("A-01-01", 2, 7), ("A-01-02", 0, 0), ("A-02-02", 1, 1), ("A-02-01", 0, 0), ("B_1-01", 0, 0)]
    assert [r["address"] for r in (await search_bins(main, BinFilter(zone="a")))[0]] == [
        "A-01-01", "A-01-02", "A-02-02", "A-02-01"]
    assert [r["address"] for r in (await search_bins(main, BinFilter(query="02-0")))[0]] == ["A-02-02", "A-02-01"]
    assert [r["address"] for r in (await search_bins(main, BinFilter(query="b_")))[0]] == ["B_1-01"]
    assert (await search_bins(main, BinFilter(query="%")))[1] == 0  # a wildcard is only a character
    await update_bin(bins["A-01-02"], active=False)
    assert (await search_bins(main))[1] == 4
    assert [r["address"] for r in (await search_bins(main, BinFilter(status="inactive")))[0]] == ["A-01-02"]
    assert (await search_bins(main, BinFilter(status="all")))[1] == 5
    page_rows, page_total = await search_bins(main, BinFilter(status="all"), limit=2, offset=2)
    assert page_total == 5 and [r["address"] for r in page_rows] == ["A-02-02", "A-02-01"]
    page = await bins_page(main, BinFilter(zone="B_1"))
    assert page.zones == ["A", "B_1"] and page.total == 1 and page.warehouse["units"] == 8
    with pytest.raises(NotFound):
        await search_bins(main + 100)


async def test_a_taken_warehouse_code_is_a_conflict():
    await create_warehouse("main", "Склад")
    with pytest.raises(Conflict, match="MAIN is already taken"):
        await create_warehouse("MAIN", "Другой")


async def _quietly(coro) -> str:
    try:
        await coro
    except (Conflict, ValidationFailed):
        return "refused"
    return "done"


async def test_a_receipt_racing_a_close_never_leaves_stock_in_a_closed_warehouse():
    (coffee,) = await make_variants("RACE-1")
    for round_no in range(8):
        wh = await make_warehouse(f"R{round_no}")
        receipt = create_document(DocumentInput("receipt", wh, [LineInput(coffee, 3, price=100)]), post=True)
        outcomes = await asyncio.gather(_quietly(receipt), _quietly(update_warehouse(wh, active=False)))
        closed = not (await Warehouse.select(Warehouse.active).where(Warehouse.id == wh).first())["active"]
        levels = {lvl["warehouse_id"]: lvl["on_hand"] for lvl in await _on_hand(coffee)}
        assert not (closed and levels.get(wh, 0)), (round_no, outcomes)
        assert outcomes.count("done") >= 1, outcomes


async def _on_hand(variant_id: int) -> list[dict]:
    from server.domain.stock.tables import StockBalance

    return await StockBalance.select(StockBalance.warehouse.as_alias("warehouse_id"), StockBalance.on_hand).where(
        StockBalance.variant == variant_id)
