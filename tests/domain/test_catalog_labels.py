"""Barcode labels: the SVG carries the code, names, SKU and price; the PDF has one 58 × 40 mm page
per copy; bars are drawn in whole printer dots and fit the label."""

from __future__ import annotations

import re

import pytest
from catalog_helpers import coffee, ean13

from server.domain.catalog import _label_layout as lay
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.labels import label_data, label_svg, labels_pdf, render_image
from server.domain.catalog.products import create_product
from server.errors import NotFound, ValidationFailed

PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")


async def _coffee() -> list[int]:
    created = await create_product(coffee(name="Кения АА <Премиум> & «свежая обжарка»"))
    return [v.id for v in created.variants]


async def test_the_svg_label_has_the_digits_names_sku_and_price():
    small, _big = await _coffee()
    svg = (await label_svg(small)).decode("utf-8")
    assert svg.startswith("<?xml") and 'width="58mm" height="40mm"' in svg
    assert f">{ean13('460123400001')}</text>" in svg and 'data-kind="ean13"' in svg
    assert "Кения АА &lt;Премиум&gt; &amp;" in svg  # escaped, never raw markup
    assert "зерно, 250 г" in svg and "KEN-250" in svg and "890,00\u00a0₽" in svg


async def test_the_label_can_show_a_chosen_package_barcode_and_refuses_a_foreign_one():
    small, big = await _coffee()
    svg = (await label_svg(small, ean13("460123400002"))).decode()
    assert ean13("460123400002") in svg
    with pytest.raises(NotFound):
        await label_svg(big, ean13("460123400002"))
    with pytest.raises(NotFound):
        await label_svg(9999)


@pytest.mark.parametrize(("code", "kind", "modules"), [
    ("96385074", "ean8", 67), ("036000291452", "upca", 95), ("PAL-000123", "code128", None)])
async def test_each_kind_is_drawn_in_its_symbology(code, kind, modules):
    created = await create_product(ProductInput(name="Чай", variants=[
        VariantInput(sku="TEA-1", barcodes=[BarcodeInput(code, kind=kind)])]))
    data = await label_data(created.variants[0].id)
    assert (data.code, data.kind, data.price) == (code, kind, None)
    bars = lay.bars(data.code, data.kind)
    assert modules is None or len(bars.modules) == modules
    assert bars.text == code
    assert bars.x_mm >= lay.MARGIN_MM and bars.x_mm + len(bars.modules) * bars.module_mm <= lay.WIDTH_MM - lay.MARGIN_MM
    assert f'data-kind="{kind}"' in (await label_svg(created.variants[0].id)).decode()


async def test_a_variant_without_barcodes_gets_its_sku_as_code128():
    created = await create_product(ProductInput(name="Чай", variants=[VariantInput(sku="TEA-GREEN-100")]))
    svg = (await label_svg(created.variants[0].id)).decode()
    assert 'data-kind="code128"' in svg and ">TEA-GREEN-100</text>" in svg


def test_long_names_wrap_to_two_lines_ending_with_an_ellipsis():
    lines = lay.fit("Эфиопия Иргачефф Коке Хану натуральная обработка, свежая обжарка этой недели", 3.0, 54, 2, True)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(lay.font(3.0, True).getlength(line) <= lay.px(54) for line in lines)
    assert lay.fit("Кения", 3.0, 54, 2) == ["Кения"]


def test_money_is_written_the_russian_way():
    assert lay.money(89000) == "890,00\u00a0₽"
    assert lay.money(123456789) == "1\u00a0234\u00a0567,89\u00a0₽"
    assert lay.money(5, "руб.") == "0,05\u00a0руб."


async def test_the_pdf_has_one_58_by_40_mm_page_per_copy():
    small, big = await _coffee()
    pdf = await labels_pdf([(small, 2), (big, 3), (small, 1, ean13("460123400002"))])
    assert pdf.startswith(b"%PDF")
    assert len(PAGE.findall(pdf)) == 6
    width, height = (float(x) for x in MEDIA_BOX.search(pdf).groups())
    assert abs(width / 72 * 25.4 - 58) < 0.5 and abs(height / 72 * 25.4 - 40) < 0.5


async def test_the_raster_label_has_black_bars_where_the_barcode_is():
    small, _big = await _coffee()
    image = render_image(await label_data(small))
    assert image.size == (lay.px(58), lay.px(40))
    row = [image.getpixel((x, lay.px(26))) for x in range(image.width)]
    assert 0 in row and 1 in row  # bars and spaces across the middle of the bars
    assert row[0] == 1 and row[-1] == 1  # quiet zones stay white


@pytest.mark.parametrize(("items", "field"), [
    ([], "items"), ([(1, 0)], "items[0].copies"), ([(1, 1001)], "items[0].copies"), ([(1, True)], "items[0].copies"),
    ([(1,)], "items[0]"), ([(1, 1000)] * 5 + [(1, 1)], "items"),
])
async def test_bad_print_requests_are_refused(items, field):
    with pytest.raises(ValidationFailed) as caught:
        await labels_pdf(items)
    assert caught.value.field == field
