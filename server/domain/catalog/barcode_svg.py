"""Barcodes drawn inline in HTML print views (the packing slip, bin labels): Code 128 and QR as SVG.

Code 128 takes its modules from _label_layout.bars (python-barcode), drawn one SVG unit per module, so
the page decides the printed size (CSS width/height) and the bars stay crisp at any scale. Code 128
holds printable ASCII only: `code128_text` says what a text becomes on the bars (None when nothing
printable is left). QR codes (the qrcode library's SVG path factory) hold any UTF-8 text.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import qrcode
import qrcode.image.svg

from server.domain.catalog import _label_layout as lay

QUIET = 10  # modules of white on each side
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def code128_text(text: str) -> str | None:
    """The text as Code 128 can hold it: itself when it is printable ASCII; else only its Latin letters,
    digits and dashes ("З-000123" → "000123" — still found by the order search); None when none is left."""
    text = (text or "").strip()
    if text and text.isascii() and text.isprintable():
        return text
    kept = re.sub(r"[^0-9A-Za-z-]", "", text).strip("-")
    return kept or None


def code128_svg(text: str, *, height: int = 40, label: str = "") -> str | None:
    """An <svg> of `text` as Code 128 (viewBox in modules, `height` modules high), or None when the text has
    nothing Code 128 can hold. `label` is its accessible name."""
    code = code128_text(text)
    if code is None:
        return None
    modules = lay.bars(code, "code128").modules
    width = len(modules) + 2 * QUIET
    runs, start = [], None
    for n, bit in enumerate(modules + "0"):
        if bit == "1" and start is None:
            start = n
        elif bit != "1" and start is not None:
            runs.append(f"M{start + QUIET} 0h{n - start}v{height}h{start - n}z")
            start = None
    name, value = _attr(label or code), _attr(code)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
            f'role="img" aria-label="{name}" data-code="{value}" class="code128">'
            f'<rect width="100%" height="100%" fill="#fff"/>'
            f'<path fill="#000" shape-rendering="crispEdges" d="{"".join(runs)}"/></svg>')


def qr_svg(text: str, *, label: str = "") -> str:
    """An <svg> QR code of `text` (any UTF-8), sized by the page's CSS."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = _SIZE.sub("", svg.split("?>", 1)[-1], count=2)
    return svg.replace("<svg", f'<svg role="img" aria-label="{_attr(label or text)}" class="qr"', 1)
