"""Missing goods on the floor: the picker's report, and the manager's three answers — fewer units, an
analog, «found after all» — each leaving the order, its reservations and its pick list consistent."""

from __future__ import annotations

import asyncio

import pytest
from picking_helpers import confirmed_order, floor, scan

from server import live
from server.domain.audit.tables import AuditEntry
from server.domain.orders.line_changes import reduce_line, replace_with_analog
from server.domain.orders.status import change_status
from server.domain.orders.tables import Order, OrderLine
from server.domain.outbox.tables import OutboxEvent
from server.domain.picking.lists import create_pick_list
from server.domain.picking.packing import complete_pick_list
from server.domain.picking.shortages import (
    bins_to_recount,
    flagged_orders,
    goods_found,
    order_picking,
    report_shortage,
)
from server.domain.picking.tables import PickLine, PickShortage
from server.domain.stock.balances import rebuild_balances
from server.domain.stock.tables import Reservation, StockBalance
from server.errors import Conflict, DomainError, InsufficientStock, NotFound, ValidationFailed


async def _lines(pick_list: int) -> list[dict]:
    return await PickLine.select().where(PickLine.pick_list == pick_list).order_by(PickLine.seq)


async def _order(order_id: int) -> dict:
    return await Order.select().where(Order.id == order_id).first()


async def _order_lines(order_id: int) -> list[dict]:
    return await OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)


async def _reserved(variant: int, warehouse: int) -> int:
    row = await StockBalance.select(StockBalance.reserved).where(
        (StockBalance.variant == variant) & (StockBalance.warehouse == warehouse)).first()
    return row["reserved"] if row else 0


async def _picked_list(f, *lines):
    """A confirmed order with these lines, in a pick list; returns (order, list, pick lines)."""
    order = await confirmed_order(*lines)
    pick_list = await create_pick_list([order], actor="picker")
    return order, pick_list, await _lines(pick_list)


async def test_a_report_marks_the_line_short_flags_the_order_and_tells_the_board():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 3), ("GR-1", 1))
    ken = next(x for x in lines if x["variant"] == f.sku["KEN-250"])
    await scan(pick_list, f.codes["KEN-250"])
    report = await report_shortage(pick_list, ken["id"], 2, actor="picker", comment="  полка пустая ")
    assert (report.qty, report.added, report.order_id) == (2, False, order)
    line = (await PickLine.select().where(PickLine.id == ken["id"]).first())
    assert (line["picked"], line["short"]) == (1, 2) and line["done_at"] is not None
    shortage = await PickShortage.select().where(PickShortage.line == ken["id"]).first()
    assert (shortage["qty"], shortage["comment"], shortage["bin"], shortage["resolution"]) == (
        2, "полка пустая", f.bins["A-01"], "")
    assert await flagged_orders([order, order + 1000]) == {order: 2}
    events = await OutboxEvent.select(OutboxEvent.topic, OutboxEvent.payload).where(
        OutboxEvent.topic == "order.pick_shortage").output(load_json=True)
    assert len(events) == 1 and events[0]["payload"]["order_id"] == order and events[0]["payload"]["qty"] == 2
    assert await AuditEntry.exists().where(AuditEntry.action == "pick_list.shortage")
    # the order waits for the manager: completing packs nothing
    await scan(pick_list, f.codes["GR-1"], serial="SN-1")
    result = await complete_pick_list(pick_list, actor="picker")
    assert result.packed == [] and result.waiting == [{"number": (await _order(order))["number"],
                                                        "reason": "shortage"}]
    assert (await _order(order))["status"] == "picking"


async def test_a_second_report_adds_to_the_open_one_and_bad_reports_change_nothing():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 3))
    line = lines[0]["id"]
    await report_shortage(pick_list, line, 1, actor="picker", comment="нет")
    again = await report_shortage(pick_list, line, 1, actor="picker", comment="совсем нет")
    assert again.added and again.qty == 2
    rows = await PickShortage.select().where(PickShortage.line == line)
    assert len(rows) == 1 and rows[0]["qty"] == 2 and rows[0]["comment"] == "нет / совсем нет"
    for qty, error in ((2, ValidationFailed), (0, ValidationFailed), ("1", ValidationFailed), (True, ValidationFailed)):
        with pytest.raises(error):
            await report_shortage(pick_list, line, qty, actor="picker")
    with pytest.raises(ValidationFailed):
        await report_shortage(pick_list, line, 1, actor="picker", comment="x" * 501)
    with pytest.raises(NotFound):
        await report_shortage(pick_list, line + 999, 1, actor="picker")
    with pytest.raises(NotFound):
        await report_shortage(pick_list + 999, line, 1, actor="picker")
    await report_shortage(pick_list, line, 1, actor="picker")
    with pytest.raises(Conflict):  # nothing left to report
        await report_shortage(pick_list, line, 1, actor="picker")
    assert (await PickLine.select(PickLine.short).where(PickLine.id == line).first())["short"] == 3
    assert order


async def test_a_cancelled_order_is_not_reported_short():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2))
    await change_status(order, "cancelled", actor="manager")
    with pytest.raises(Conflict) as refused:
        await report_shortage(pick_list, lines[0]["id"], 1, actor="picker")
    assert "cancelled" in refused.value.message
    assert not await PickShortage.exists()


async def test_reduce_releases_the_units_recomputes_totals_and_lets_the_list_finish():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 3), ("GR-1", 1))
    ken = next(x for x in lines if x["variant"] == f.sku["KEN-250"])
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, f.codes["GR-1"], serial="SN-1")
    await report_shortage(pick_list, ken["id"], 2, actor="picker")
    ken_line = next(x for x in await _order_lines(order) if x["sku"] == "KEN-250")
    before = await _reserved(f.sku["KEN-250"], f.wh)
    changed = await reduce_line(order, ken_line["id"], 2, actor="manager")
    assert changed["released"] == 2 and changed["shortages_resolved"] == 1
    assert await _reserved(f.sku["KEN-250"], f.wh) == before - 2
    ken_line = next(x for x in await _order_lines(order) if x["sku"] == "KEN-250")
    assert (ken_line["qty"], ken_line["reserved"]) == (1, 1)
    head = await _order(order)
    assert head["goods_total"] == 100000 * 2 and head["total"] == 200000 == changed["total"]
    pick = await PickLine.select().where(PickLine.id == ken["id"]).first()
    assert (pick["qty"], pick["picked"], pick["short"]) == (1, 1, 0)
    shortage = await PickShortage.select().where(PickShortage.line == ken["id"]).first()
    assert (shortage["resolution"], shortage["resolved_by"]) == ("reduced", "manager")
    assert await flagged_orders([order]) == {}
    assert await OutboxEvent.exists().where(OutboxEvent.topic == "order.lines_changed")
    result = await complete_pick_list(pick_list, actor="picker")
    assert result.packed == [head["number"]] and result.list_done
    active = await Reservation.select(Reservation.qty).where(
        (Reservation.variant == f.sku["KEN-250"]) & (Reservation.status == "active"))
    assert sum(r["qty"] for r in active) == 1
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_reduce_never_takes_picked_units_and_never_empties_the_order():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 3))
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, f.codes["KEN-250"])
    line = (await _order_lines(order))[0]
    with pytest.raises(Conflict) as refused:
        await reduce_line(order, line["id"], 2, actor="manager")  # only 1 is not picked yet
    assert refused.value.params["most"] == 1
    with pytest.raises(ValidationFailed):
        await reduce_line(order, line["id"], 0, actor="manager")
    with pytest.raises(NotFound):
        await reduce_line(order, line["id"] + 99, 1, actor="manager")
    other = await confirmed_order(("KEN-250", 1))
    only = (await _order_lines(other))[0]
    with pytest.raises(Conflict) as empty:
        await reduce_line(other, only["id"], 1, actor="manager")
    assert "cancel" in empty.value.message
    assert [x["qty"] for x in await _order_lines(order)] == [3]
    assert (await _lines(pick_list))[0]["qty"] == 3


async def test_replace_with_an_analog_adds_a_reserved_line_and_a_pick_line():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2))
    await scan(pick_list, f.codes["KEN-250"])
    await report_shortage(pick_list, lines[0]["id"], 1, actor="picker")
    view = await order_picking(order, f.wh)
    group = view["shortages"][0]
    assert group["short"] == 1 and group["bins"] == ["A-01"]
    assert [a.sku for a in group["analogs"]] == ["KEN-250-M"]  # the other variant of the same product
    line = (await _order_lines(order))[0]
    changed = await replace_with_analog(order, line["id"], f.sku["KEN-250-M"], 1, actor="manager")
    assert changed["analog"]["sku"] == "KEN-250-M" and changed["analog"]["price"] == 89000
    rows = await _order_lines(order)
    assert [(x["sku"], x["qty"], x["reserved"], x["price"]) for x in rows] == [
        ("KEN-250", 1, 1, 100000), ("KEN-250-M", 1, 1, 89000)]
    assert (await _order(order))["total"] == 100000 + 89000
    picks = await _lines(pick_list)
    assert [(x["variant"], x["bin"], x["qty"]) for x in picks] == [
        (f.sku["KEN-250"], f.bins["A-01"], 1), (f.sku["KEN-250-M"], f.bins["C-01"], 1)]
    shortage = await PickShortage.select().first()
    assert shortage["resolution"] == "replaced"
    await scan(pick_list, f.codes["KEN-250-M"])
    result = await complete_pick_list(pick_list, actor="picker")
    assert result.list_done and len(result.packed) == 1
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_a_replacement_that_cannot_be_made_changes_nothing_and_says_every_reason():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2))
    line = (await _order_lines(order))[0]
    with pytest.raises(ValidationFailed) as refused:  # no shortage yet, the same goods, a bad quantity
        await replace_with_analog(order, line["id"], f.sku["KEN-250"], 0, actor="manager")
    assert len(refused.value.problems) == 3
    await report_shortage(pick_list, lines[0]["id"], 2, actor="picker")
    with pytest.raises(InsufficientStock):  # only 10 of KEN-250-M
        await replace_with_analog(order, line["id"], f.sku["KEN-250-M"], 11, actor="manager")
    with pytest.raises(NotFound):
        await replace_with_analog(order, line["id"], 99999, 1, actor="manager")
    assert [(x["sku"], x["qty"]) for x in await _order_lines(order)] == [("KEN-250", 2)]
    assert len(await _lines(pick_list)) == 1
    assert (await PickShortage.select().first())["resolution"] == ""
    assert await _reserved(f.sku["KEN-250-M"], f.wh) == 0


async def test_found_puts_the_units_back_to_pick():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2))
    await report_shortage(pick_list, lines[0]["id"], 2, actor="picker")
    line = (await _order_lines(order))[0]
    assert await goods_found(order, line["id"], actor="manager") == 2
    pick = (await _lines(pick_list))[0]
    assert (pick["short"], pick["done_at"]) == (0, None)
    assert (await PickShortage.select().first())["resolution"] == "found"
    with pytest.raises(Conflict):
        await goods_found(order, line["id"], actor="manager")
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, f.codes["KEN-250"])
    assert (await complete_pick_list(pick_list, actor="picker")).list_done


async def test_bins_found_empty_are_listed_for_a_recount():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2), ("KEN-250-M", 1))
    ken = next(x for x in lines if x["variant"] == f.sku["KEN-250"])
    await report_shortage(pick_list, ken["id"], 2, actor="picker")
    found = await bins_to_recount(f.wh)
    assert [(b["address"], b["open"], [g["sku"] for g in b["goods"]]) for b in found] == [("A-01", True, ["KEN-250"])]
    await goods_found(order, (await _order_lines(order))[0]["id"], actor="manager")
    found = await bins_to_recount(f.wh)
    assert [(b["address"], b["open"]) for b in found] == [("A-01", False)]  # resolved, but recent
    assert await bins_to_recount(f.wh, days=0) == []


async def test_concurrent_reports_on_one_line_never_report_more_than_is_left():
    f = await floor()
    _order, pick_list, lines = await _picked_list(f, ("KEN-250", 3))
    outcomes = await asyncio.gather(*[report_shortage(pick_list, lines[0]["id"], 2, actor="picker") for _ in range(6)],
                                    return_exceptions=True)
    assert sum(1 for o in outcomes if not isinstance(o, Exception)) == 1
    assert all(isinstance(o, DomainError) for o in outcomes if isinstance(o, Exception))
    assert (await PickLine.select(PickLine.short).where(PickLine.id == lines[0]["id"]).first())["short"] == 2
    assert [r["qty"] for r in await PickShortage.select(PickShortage.qty)] == [2]


async def test_a_manager_answer_racing_the_picker_leaves_everything_consistent():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 4), ("KEN-250-M", 1))
    ken = next(x for x in lines if x["variant"] == f.sku["KEN-250"])
    await report_shortage(pick_list, ken["id"], 2, actor="picker")
    line = next(x for x in await _order_lines(order) if x["sku"] == "KEN-250")
    outcomes = await asyncio.gather(
        reduce_line(order, line["id"], 2, actor="manager"), scan(pick_list, f.codes["KEN-250"]),
        scan(pick_list, f.codes["KEN-250-M"]), scan(pick_list, f.codes["KEN-250"]),
        complete_pick_list(pick_list, actor="picker"), return_exceptions=True)
    assert all(not isinstance(o, Exception) or isinstance(o, DomainError) for o in outcomes), outcomes
    assert not isinstance(outcomes[0], Exception)  # the reduction never collides with a picked unit here
    pick = await PickLine.select().where(PickLine.id == ken["id"]).first()
    assert (pick["qty"], pick["short"]) == (2, 0) and pick["picked"] <= 2
    ken_line = next(x for x in await _order_lines(order) if x["sku"] == "KEN-250")
    assert (ken_line["qty"], ken_line["reserved"]) == (2, 2)
    assert (await rebuild_balances(dry_run=True)).differences == []


async def test_the_board_hears_of_a_report_and_of_the_answer():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2))
    await report_shortage(pick_list, lines[0]["id"], 1, actor="picker")
    await reduce_line(order, (await _order_lines(order))[0]["id"], 1, actor="manager")
    events = await OutboxEvent.select(OutboxEvent.topic, OutboxEvent.payload).where(
        OutboxEvent.topic.is_in(["order.pick_shortage", "order.lines_changed"])).order_by(OutboxEvent.id).output(
        load_json=True)
    messages = [live.order_message(e["topic"], e["payload"]) for e in events]
    assert [(m["kind"], m["order_id"], m["status"]) for m in messages] == [("shortage", order, "picking"),
                                                                           ("lines", order, "picking")]
    assert {"order.pick_shortage", "order.lines_changed"} <= set(live.TOPICS)


async def test_an_order_cancelled_after_the_report_needs_no_answer():
    f = await floor()
    order, pick_list, lines = await _picked_list(f, ("KEN-250", 2))
    await report_shortage(pick_list, lines[0]["id"], 1, actor="picker")
    assert await flagged_orders([order]) == {order: 1}
    await change_status(order, "cancelled", actor="manager")
    assert await flagged_orders([order]) == {}
    assert (await order_picking(order, f.wh))["shortages"] == []
    with pytest.raises(Conflict):
        await reduce_line(order, (await _order_lines(order))[0]["id"], 1, actor="manager")
