"""Geometry of a barcode label, shared by the SVG and the raster (PDF) renderers. Internal.

One label is 58 × 40 mm, the common thermal-label size in Russian shops. Bars are whole printer dots
at 203 dpi (the usual thermal head), so a label prints crisp and scans.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import barcode as pybarcode
from PIL import ImageFont

WIDTH_MM, HEIGHT_MM = 58.0, 40.0
MARGIN_MM = 2.0
DPI = 203
DOT_MM = 25.4 / DPI
QUIET_MODULES = 11  # EAN needs 11 modules of white on the left, Code 128 needs 10
MAX_MODULE_DOTS = 3
_SYSTEM_FONTS = "/usr/share/fonts/truetype/dejavu"
_SYMBOLOGY = {"ean13": "ean13", "ean8": "ean8", "upca": "upca"}


@cache
def font_path(bold: bool = False) -> str:
    candidates = [os.path.join(_SYSTEM_FONTS, "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"),
                  os.path.join(_SYSTEM_FONTS, "DejaVuSans.ttf")]
    for path in candidates:
        if os.path.exists(path):
            return path
    return os.path.join(os.path.dirname(pybarcode.__file__), "fonts", "DejaVuSansMono.ttf")


def px(mm: float) -> int:
    return round(mm / DOT_MM)


@cache
def font(size_mm: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(bold), max(6, px(size_mm)))


def has_glyph(text: str, bold: bool = False) -> bool:
    f = font(3.0, bold)
    missing = bytes(f.getmask("\uffff"))
    return all(bytes(f.getmask(ch)) != missing for ch in text if not ch.isspace())


def fit(text: str, size_mm: float, width_mm: float, max_lines: int, bold: bool = False) -> list[str]:
    """Words wrapped into at most max_lines that fit width_mm (a too long word is broken); when text is
    left over, the last line ends with "…"."""
    f, limit = font(size_mm, bold), px(width_mm)
    words, lines, i = text.split(), [], 0
    while i < len(words) and len(lines) < max_lines:
        line, i = words[i], i + 1
        if f.getlength(line) > limit:
            head = line
            while len(head) > 1 and f.getlength(head) > limit:
                head = head[:-1]
            words.insert(i, line[len(head):])
            line = head
        while i < len(words) and f.getlength(f"{line} {words[i]}") <= limit:
            line, i = f"{line} {words[i]}", i + 1
        lines.append(line)
    if i < len(words) and lines:
        last = lines[-1]
        while last and f.getlength(last + "…") > limit:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return lines


@dataclass(frozen=True)
class Bars:
    modules: str  # "1" bar, "0" space
    text: str  # human-readable line under the bars
    module_dots: int  # width of one module in printer dots
    x_mm: float  # left edge of the first module

    @property
    def module_mm(self) -> float:
        return self.module_dots * DOT_MM

    def runs(self) -> list[tuple[float, float]]:
        """(x, width) in mm of every bar."""
        out, start = [], None
        for n, bit in enumerate(self.modules + "0"):
            if bit == "1" and start is None:
                start = n
            elif bit != "1" and start is not None:
                out.append((self.x_mm + start * self.module_mm, (n - start) * self.module_mm))
                start = None
        return out


def bars(code: str, kind: str) -> Bars:
    """EAN-13 / EAN-8 / UPC-A for those kinds, Code 128 for everything else (internal, code128, SKUs)."""
    symbology = _SYMBOLOGY.get(kind, "code128")
    symbol = pybarcode.get_barcode_class(symbology)(code)
    modules = "".join(symbol.build()).replace("G", "1")
    avail = px(WIDTH_MM - 2 * MARGIN_MM)
    dots = max(1, min(MAX_MODULE_DOTS, avail // (len(modules) + 2 * QUIET_MODULES)))
    width_mm = len(modules) * dots * DOT_MM
    x = max(MARGIN_MM, (WIDTH_MM - width_mm) / 2)
    text = symbol.get_fullcode() if symbology != "code128" else code
    return Bars(modules=modules, text=text, module_dots=dots, x_mm=x)


def money(kopecks: int, sign: str = "₽") -> str:
    """89000 → "890,00 ₽"; thousands separated by a no-break space."""
    whole, cents = divmod(abs(int(kopecks)), 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{'-' if kopecks < 0 else ''}{grouped},{cents:02d}\u00a0{sign}"
