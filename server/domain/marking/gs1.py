"""Честный ЗНАК marking codes (GS1 DataMatrix) as scanners deliver them: parse, repair, normalise.

A code is a sequence of GS1 Application Identifiers: 01 + GTIN (14 digits), 21 + serial (variable,
ended by GS), then 91 + key id (4) and 92 + crypto signature (44 or 88), or 93 + a 4-character
verification code; other AIs may follow (3103 weight, 8005 price, 17 expiry, 10 batch …). Tobacco
packs carry 29 characters without AIs: GTIN 14, serial 7, MRP code 4, verification 4.

Keyboard-wedge scanners damage codes: they drop GS or send `^`, `~`, `<GS>` instead, prepend a
symbology identifier (`]d2`, `]C1`), send the leading FNC1 as GS, or cut the code at the first GS.
`parse_marking` undoes all of that: substitutes become GS, a dropped GS is re-inserted where the
remaining text parses as a known tail (the serial's length is fixed per product group), and a code cut
after the serial is parsed but reported as having no tail (`complete` is False): the cash register
needs the whole code.

    КИ (identification code) = 01 + GTIN + 21 + serial — what we index and de-duplicate on;
    КМ (full marking code)   = the whole code with GS restored — what goes to the fiscal receipt.

Pure functions, no database: server/domain/picking uses them, and pwa/warehouse/static/gs1.js is the
same algorithm for checks made offline on the device.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from server.errors import ValidationFailed

GS = "\x1d"
# What wedge scanners send instead of GS (none of them is in the GS1 character set 82 of serials,
# except `<GS>` as a whole, which no real serial spells).
GS_SUBSTITUTES = ("<GS>", "<gs>", "{GS}", "\\x1d", "\\u001d", "^", "~", "\u241d", "\u2194")
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")  # ]d2 DataMatrix, ]C1 GS1-128, ]Q3 QR, ]e0 DataBar
_BASE64 = "A-Za-z0-9+/="
_CHARSET_82 = r"!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z"
# Serial lengths by product group, most common first: 13 light industry, shoes, medicines, perfume,
# tyres, coffee, 6 dairy and water, 7 tobacco blocks, 20 and 8 others; then any other length.
SERIAL_LENGTHS = (13, 6, 7, 20, 8, 11, 12, 10, 9, 14, 15, 16, 17, 18, 19, 5, 4, 3, 2, 1)
# The tail after the serial when GS was dropped: what may follow, each AI with its fixed or variable
# length. Variable ones (92 of 44 or 88, 10) end the text or the next GS.
_TAIL_AIS: dict[str, tuple[int, ...]] = {
    "91": (4,), "92": (88, 44), "93": (4,), "3103": (6,), "3353": (6,), "8005": (6,), "17": (6,), "11": (6,),
    "7003": (10,), "10": (),
}
_MAX_SERIAL = 20


@dataclass(frozen=True)
class MarkingCode:
    raw: str  # as scanned (Enter and spaces around removed)
    gtin: str  # 14 digits
    serial: str
    key_id: str = ""  # AI 91
    signature: str = ""  # AI 92
    check: str = ""  # AI 93
    extra: dict[str, str] = field(default_factory=dict)  # other AIs: {"3103": "000450"}
    tobacco: bool = False  # the 29-character pack code without AIs
    repaired: bool = False  # GS re-inserted, substitutes or a symbology identifier removed

    @property
    def ki(self) -> str:
        """The identification code (КИ): what a unit is known by, unique across all goods."""
        return self.gtin + self.serial if self.tobacco else f"01{self.gtin}21{self.serial}"

    @property
    def complete(self) -> bool:
        """Whether the verification part is there (91+92, or 93, or the tobacco pack's last 8)."""
        return self.tobacco or bool(self.check) or bool(self.key_id and self.signature)

    @property
    def km(self) -> str:
        """The full marking code (КМ) with GS restored, as the cash register must receive it."""
        if self.tobacco:
            return self.raw_tobacco
        parts = [self.ki]
        if self.key_id:
            parts.append("91" + self.key_id)
        if self.signature:
            parts.append("92" + self.signature)
        if self.check:
            parts.append("93" + self.check)
        parts.extend(ai + value for ai, value in self.extra.items())
        return GS.join(parts)

    @property
    def raw_tobacco(self) -> str:
        return self.gtin + self.serial + self.check

    def describe(self) -> dict[str, object]:
        return {"gtin": self.gtin, "serial": self.serial, "ki": self.ki, "km": self.km, "complete": self.complete,
                "tobacco": self.tobacco, "repaired": self.repaired}


def gtin_check_ok(gtin: str) -> bool:
    from server.domain.catalog.barcodes import gs1_check_digit

    return len(gtin) == 14 and gtin.isdigit() and gtin.isascii() and gs1_check_digit(gtin[:-1]) == gtin[-1]


def gtin_candidates(gtin: str) -> list[str]:
    """The catalog barcodes a GTIN-14 may be stored as: itself, the EAN-13 (indicator 0), the UPC-A
    (two leading zeros) and the EAN-8 (six)."""
    found = [gtin]
    if gtin.startswith("0"):
        found.append(gtin[1:])
    if gtin.startswith("00"):
        found.append(gtin[2:])
    if gtin.startswith("000000"):
        found.append(gtin[6:])
    return found


def _clean(raw: str) -> tuple[str, bool]:
    """Removes Enter/spaces, a symbology identifier and the leading FNC1; turns GS substitutes into GS."""
    text = (raw or "").strip("\r\n\t ")
    repaired = False
    match = _SYMBOLOGY.match(text)
    if match:
        text, repaired = text[match.end():], True
    for sub in GS_SUBSTITUTES:
        if sub in text:
            text, repaired = text.replace(sub, GS), True
    if text.startswith(GS):
        text, repaired = text.lstrip(GS), True
    return text, repaired


def looks_like_marking(raw: str) -> bool:
    """A cheap test for "this is a marking code, not a barcode or a SKU": 01 + 14 digits + 21 …, or a
    29-character tobacco pack code starting with a valid GTIN."""
    text, _ = _clean(raw)
    if re.match(r"^01\d{14}21", text) and len(text) > 18:
        return True
    return len(text) == 29 and text[:14].isdigit() and gtin_check_ok(text[:14])


def _parse_tail(text: str) -> dict[str, str] | None:
    """The AIs after the serial, GS-separated or not; None when the text is not a valid tail."""
    found: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        if text[pos] == GS:
            pos += 1
            continue
        ai = next((a for a in sorted(_TAIL_AIS, key=len, reverse=True) if text.startswith(a, pos)), None)
        if ai is None or ai in found:
            return None
        pos += len(ai)
        lengths = _TAIL_AIS[ai]
        end = text.find(GS, pos)
        end = len(text) if end < 0 else end
        if not lengths:  # variable: up to GS or the end
            value = text[pos:end]
        else:
            value = next((text[pos:pos + n] for n in lengths if pos + n <= len(text)
                          and (pos + n == len(text) or text[pos + n] == GS or _starts_ai(text, pos + n))), None)
            if value is None:
                return None
        if not value or (ai == "92" and not re.fullmatch(f"[{_BASE64}]+", value)):
            return None
        found[ai] = value
        pos += len(value)
    return found


def _starts_ai(text: str, pos: int) -> bool:
    return any(text.startswith(a, pos) for a in _TAIL_AIS)


def _split_serial(rest: str) -> tuple[str, dict[str, str], bool] | None:
    """rest = everything after 01+GTIN+21. With a GS the serial ends there; without one, the serial
    length is the first of SERIAL_LENGTHS whose remainder parses as a tail. Returns (serial, tail,
    repaired)."""
    if GS in rest:
        serial, tail_text = rest.split(GS, 1)
        tail = _parse_tail(tail_text)
        if serial and len(serial) <= _MAX_SERIAL and tail is not None:
            return serial, tail, False
        # a GS inside what should be the tail only: fall through to the positional repair
    had_gs = GS in rest  # a GS that is really there ends the serial: never glue it into one
    flat = rest.replace(GS, "")
    if not had_gs and len(flat) <= _MAX_SERIAL and (len(flat) in SERIAL_LENGTHS[:3] or not _has_tail_shape(flat)):
        return flat, {}, False  # cut after the serial (or a code with no tail at all)
    for n in SERIAL_LENGTHS:
        if n >= len(flat):
            continue
        tail = _parse_tail(flat[n:])
        if tail is not None and ("92" in tail or "93" in tail or "91" in tail):
            return flat[:n], tail, True
    if not had_gs and len(flat) <= _MAX_SERIAL:
        return flat, {}, False
    return None


def _has_tail_shape(flat: str) -> bool:
    return bool(re.search(r"(91.{4}92|93.{4}$)", flat))


def parse_marking(raw: str) -> MarkingCode:
    """The marking code in `raw`, repaired; ValidationFailed with a plain reason when it is not one."""
    text, repaired = _clean(raw)
    if not text:
        raise ValidationFailed("The marking code is empty", field="code")
    if len(text) == 29 and GS not in text and text[:14].isdigit() and not text.startswith("01"):
        if not gtin_check_ok(text[:14]):
            raise ValidationFailed("Marking code %(code)s: the GTIN %(gtin)s has a wrong check digit",
                                   field="code", code=text[:40], gtin=text[:14])
        return MarkingCode(raw=raw, gtin=text[:14], serial=text[14:21], check=text[21:], tobacco=True,
                           repaired=repaired)
    if not re.match(r"^01\d{14}21", text):
        raise ValidationFailed("%(code)s is not a marking code (Честный ЗНАК): it must start with 01, the GTIN "
                               "and 21", field="code", code=text[:40])
    gtin = text[2:16]
    if not gtin_check_ok(gtin):
        raise ValidationFailed("Marking code %(code)s: the GTIN %(gtin)s has a wrong check digit", field="code",
                               code=text[:40], gtin=gtin)
    split = _split_serial(text[18:])
    if split is None:
        raise ValidationFailed("Marking code %(code)s cannot be read: the serial number and the verification "
                               "part are not where they should be", field="code", code=text[:40])
    serial, tail, moved = split
    if not serial or not re.fullmatch(f"[{_CHARSET_82}]+", serial):
        raise ValidationFailed("Marking code %(code)s: the serial number has characters a marking code cannot "
                               "hold", field="code", code=text[:40])
    extra = {ai: v for ai, v in tail.items() if ai not in ("91", "92", "93")}
    return MarkingCode(raw=raw, gtin=gtin, serial=serial, key_id=tail.get("91", ""),
                       signature=tail.get("92", ""), check=tail.get("93", ""), extra=extra,
                       repaired=repaired or moved)
