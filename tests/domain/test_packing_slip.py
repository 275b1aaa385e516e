"""The packing slip's data: order, customer, delivery, lines with their marking code counts, the pick list
and its picker, the number as Code 128 and QR — and no prices."""

from __future__ import annotations

import re

import pytest
from picking_helpers import SHOE_CODE, confirmed_order, floor, scan

from server.domain.catalog.barcode_svg import code128_svg, code128_text, qr_svg
from server.domain.orders.line_changes import reduce_line
from server.domain.orders.tables import Order, OrderLine
from server.domain.picking.lists import create_pick_list
from server.domain.picking.packing import complete_pick_list
from server.domain.picking.slip import packing_slip
from server.domain.stock.bin_labels import bin_labels
from server.domain.stock.warehouses import create_bin
from server.errors import NotFound


async def test_the_slip_of_a_packed_order():
    f = await floor()
    order = await confirmed_order(("KEN-250", 2), ("TS-M", 1), ("GR-1", 1), name="Анна Петрова")
    await Order.update({Order.contact_phone: "+79161234567", Order.delivery_address: "Москва, ул. Ленина, 1"}).where(
        Order.id == order)
    pick_list = await create_pick_list([order], actor="manager", picker="anna")
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, f.codes["KEN-250"])
    await scan(pick_list, SHOE_CODE)
    await scan(pick_list, f.codes["GR-1"], serial="SN-77")
    await complete_pick_list(pick_list, actor="anna")
    slip = await packing_slip(order)
    number = (await Order.select(Order.number).where(Order.id == order).first())["number"]
    assert slip["number"] == number and slip["status"] == "packed"
    assert slip["customer"] == {"name": "Анна Петрова", "phone": "+79161234567"}
    assert slip["delivery"]["address"] == "Москва, ул. Ленина, 1" and slip["delivery"]["method"] == "courier"
    assert [(x["sku"], x["qty"], x["codes"]) for x in slip["lines"]] == [("KEN-250", 2, 0), ("TS-M", 1, 1),
                                                                          ("GR-1", 1, 1)]
    assert (slip["units"], slip["codes"]) == (4, 2)
    assert slip["pick_list"]["picker"] == "anna" and slip["pick_list"]["number"].startswith("СБ-")
    assert slip["pick_list"]["position"] == 1 and slip["pick_list"]["packed_at"] is not None
    assert 'data-code="' + number.split("-")[1] + '"' in slip["barcode"]  # Code 128 holds no Cyrillic
    assert slip["qr"].startswith("<svg") and f'aria-label="{number}"' in slip["qr"]
    assert not any("price" in line for line in slip["lines"])


async def test_a_line_taken_off_is_not_on_the_slip_and_an_unknown_order_is_not_found():
    await floor()
    order = await confirmed_order(("KEN-250", 2), ("GR-1", 1))
    ken = (await OrderLine.select(OrderLine.id).where(OrderLine.order == order).order_by(OrderLine.line_no).first())
    await reduce_line(order, ken["id"], 2, actor="manager")
    slip = await packing_slip(order)
    assert [x["sku"] for x in slip["lines"]] == ["GR-1"] and slip["pick_list"] is None
    with pytest.raises(NotFound):
        await packing_slip(order + 100)


def test_code128_and_qr_drawing():
    assert code128_text("A-01-02") == "A-01-02" and code128_text("З-000123") == "000123"
    assert code128_text("ЯЧЕЙКА") is None and code128_svg("ЯЧЕЙКА") is None
    svg = code128_svg("A-01")
    bars = re.findall(r"M(\d+) 0h(\d+)", svg)
    assert len(bars) > 5 and int(bars[0][0]) == 10  # quiet zone first
    assert 'role="img"' in qr_svg("З-000123") and "<path" in qr_svg("З-000123")


async def test_bin_labels_are_the_addresses_as_code128():
    f = await floor()
    cyrillic = await create_bin(f.wh, "Я", "01")
    found = await bin_labels(f.wh)
    assert [x["address"] for x in found["labels"]] == ["A-01", "B-01", "C-01", "Я-01"]
    assert 'data-code="A-01"' in found["labels"][0]["barcode"] and found["labels"][3]["barcode"] is None
    assert [x["address"] for x in (await bin_labels(f.wh, zone="B"))["labels"]] == ["B-01"]
    assert found["labels"][3]["id"] == cyrillic and not found["cut"]
    with pytest.raises(NotFound):
        await bin_labels(f.wh + 99)
