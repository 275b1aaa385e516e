"""Printable barcode labels: one label as SVG, or a PDF with one 58 × 40 mm page per label copy.

A label shows the product name, the variant name, the SKU, the retail price and the barcode, drawn
as EAN-13 / EAN-8 / UPC-A or Code 128 by the barcode's kind (python-barcode computes the bars;
Pillow rasterises the PDF pages at 203 dpi, the usual thermal printer). A variant without barcodes
gets its SKU as Code 128.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from server.domain.catalog import _label_layout as lay
from server.domain.catalog.tables import Barcode, Price, Variant
from server.errors import NotFound, ValidationFailed

MAX_COPIES = 1000
MAX_PAGES = 5000
TEXT_WIDTH = lay.WIDTH_MM - 2 * lay.MARGIN_MM
FAMILY = "DejaVu Sans, Arial, Helvetica, sans-serif"
# (size mm, bold, baseline y mm) of each text row; bars between BARS_TOP and BARS_BOTTOM.
NAME, VARIANT, SKU, PRICE, DIGITS = (3.0, True, 4.6), (2.6, False, 11.8), (2.4, False, 16.6), (4.4, True, 16.8), \
    (2.6, False, 37.6)
NAME_LINE = 3.6
SKU_SIZES = (2.4, 2.1, 1.8, 1.6)  # a SKU is an identifier: shrink it before cutting it
BARS_TOP, BARS_BOTTOM = 18.6, 34.6


@dataclass(frozen=True)
class LabelData:
    product: str
    variant: str
    sku: str
    price: int | None  # retail, kopecks
    code: str
    kind: str


async def label_data(variant_id: int, code: str | None = None) -> LabelData:
    """What goes on the label; `code` picks one of the variant's barcodes (default: the first unit
    barcode, else the first one, else the SKU as Code 128)."""
    row = await Variant.select(Variant.sku, Variant.name, Variant.product.name.as_alias("product")).where(
        Variant.id == variant_id).first()
    if row is None:
        raise NotFound("Unknown product variant %(variant_id)s", field="variant_id", variant_id=variant_id)
    codes = await Barcode.select(Barcode.code, Barcode.kind).where(Barcode.variant == variant_id).order_by(
        Barcode.multiplier).order_by(Barcode.id)
    price = await Price.select(Price.amount).where(Price.variant == variant_id).where(
        Price.price_type.code == "retail").first()
    if code is not None:
        chosen = next((c for c in codes if c["code"] == code.strip()), None)
        if chosen is None:
            raise NotFound("Variant %(sku)s has no barcode %(code)s", field="code", sku=row["sku"], code=code)
    else:
        chosen = codes[0] if codes else {"code": row["sku"], "kind": "code128"}
    return LabelData(product=row["product"], variant=row["name"], sku=row["sku"],
                     price=int(price["amount"]) if price else None, code=chosen["code"], kind=chosen["kind"])


def _rows(data: LabelData, sign: str) -> list[tuple[str, tuple, float, str]]:
    """(text, style, x mm, anchor) for every text on the label; anchor: start, end or middle."""
    rows = []
    for n, line in enumerate(lay.fit(data.product, NAME[0], TEXT_WIDTH, 2, NAME[1])):
        rows.append((line, (NAME[0], NAME[1], NAME[2] + n * NAME_LINE), lay.MARGIN_MM, "start"))
    for line in lay.fit(data.variant, VARIANT[0], TEXT_WIDTH, 1):
        rows.append((line, VARIANT, lay.MARGIN_MM, "start"))
    price = lay.money(data.price, sign) if data.price is not None else ""
    price_mm = lay.font(PRICE[0], True).getlength(price) * lay.DOT_MM if price else 0
    room = max(10.0, TEXT_WIDTH - price_mm - 2)
    size = next((s for s in SKU_SIZES if lay.font(s).getlength(data.sku) * lay.DOT_MM <= room), SKU_SIZES[-1])
    for line in lay.fit(data.sku, size, room, 1):
        rows.append((line, (size, SKU[1], SKU[2]), lay.MARGIN_MM, "start"))
    if price:
        rows.append((price, PRICE, lay.WIDTH_MM - lay.MARGIN_MM, "end"))
    return rows


def render_svg(data: LabelData) -> bytes:
    bars = lay.bars(data.code, data.kind)
    height = BARS_BOTTOM - BARS_TOP
    path = "".join(f"M{x:.4f} {BARS_TOP}h{w:.4f}v{height}h{-w:.4f}z" for x, w in bars.runs())
    texts = []
    for text, (size, bold, y), x, anchor in _rows(data, "₽"):
        weight = ' font-weight="bold"' if bold else ""
        texts.append(f'<text x="{x}" y="{y}" font-size="{size}"{weight} text-anchor="{anchor}">{escape(text)}</text>')
    texts.append(f'<text x="{lay.WIDTH_MM / 2}" y="{DIGITS[2]}" font-size="{DIGITS[0]}" text-anchor="middle" '
                 f'letter-spacing="0.3" data-testid="label-code">{escape(bars.text)}</text>')
    title = escape(f"{data.product}, {data.variant} — {data.sku}" if data.variant else f"{data.product} — {data.sku}")
    svg = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.WIDTH_MM:g}mm" height="{lay.HEIGHT_MM:g}mm" '
           f'viewBox="0 0 {lay.WIDTH_MM:g} {lay.HEIGHT_MM:g}" role="img" data-code="{escape(data.code)}" '
           f'data-kind="{escape(data.kind)}">'
           f'<title>{title}</title>'
           f'<rect width="100%" height="100%" fill="#fff"/>'
           f'<g fill="#000" font-family="{FAMILY}">{"".join(texts)}</g>'
           f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/></svg>')
    return svg.encode("utf-8")


def render_image(data: LabelData) -> Image.Image:
    """The label as a 1-bit image at 203 dpi (464 × 320 dots)."""
    image = Image.new("1", (lay.px(lay.WIDTH_MM), lay.px(lay.HEIGHT_MM)), 1)
    draw = ImageDraw.Draw(image)
    sign = "₽" if lay.has_glyph("₽", True) else "руб."
    anchors = {"start": "ls", "end": "rs", "middle": "ms"}
    for text, (size, bold, y), x, anchor in _rows(data, sign):
        draw.text((lay.px(x), lay.px(y)), text, font=lay.font(size, bold), fill=0, anchor=anchors[anchor])
    bars = lay.bars(data.code, data.kind)
    x0 = lay.px(bars.x_mm)
    top, bottom = lay.px(BARS_TOP), lay.px(BARS_BOTTOM)
    for n, bit in enumerate(bars.modules):
        if bit == "1":
            left = x0 + n * bars.module_dots
            draw.rectangle((left, top, left + bars.module_dots - 1, bottom), fill=0)
    draw.text((lay.px(lay.WIDTH_MM / 2), lay.px(DIGITS[2])), bars.text, font=lay.font(DIGITS[0]), fill=0,
              anchor="ms")
    return image


async def label_svg(variant_id: int, code: str | None = None) -> bytes:
    """One label as an SVG document (UTF-8 bytes), sized 58 × 40 mm."""
    return render_svg(await label_data(variant_id, code))


def _check_items(items: list) -> list[tuple[int, int, str | None]]:
    if not isinstance(items, list) or not items:
        raise ValidationFailed("Choose what to print", field="items")
    checked, problems = [], []
    for n, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or not 2 <= len(item) <= 3:
            problems.append(ValidationFailed("Each label is a variant and a number of copies", field=f"items[{n}]"))
            continue
        variant_id, copies = item[0], item[1]
        code = item[2] if len(item) > 2 else None
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
            problems.append(ValidationFailed("Copies must be a whole number from 1 to %(max)s",
                                             field=f"items[{n}].copies", max=MAX_COPIES))
        checked.append((variant_id, copies, code))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationFailed("The labels have %(count)s errors", problems=problems, count=len(problems))
    if sum(c for _v, c, _code in checked) > MAX_PAGES:
        raise ValidationFailed("At most %(max)s labels at once", field="items", max=MAX_PAGES)
    return checked


async def labels_pdf(items: list[tuple[int, int]] | list[tuple[int, int, str | None]]) -> bytes:
    """A PDF for a label printer: one 58 × 40 mm page per copy, in the order given. Items are
    (variant_id, copies) or (variant_id, copies, barcode)."""
    pages: list[Image.Image] = []
    for variant_id, copies, code in _check_items(items):
        image = render_image(await label_data(variant_id, code))
        pages.extend([image] * copies)
    out = BytesIO()
    pages[0].save(out, "PDF", resolution=float(lay.DPI), save_all=True, append_images=pages[1:],
                  title="Kladovka labels")
    return out.getvalue()
