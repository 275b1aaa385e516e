"""Reading untrusted XML safely: the encoding from the declaration, defusedxml only, clear errors. Internal.

The bytes are decoded here (UTF-8 with or without BOM, windows-1251, or whatever the declaration
names) and the text is handed to defusedxml's iterparse, which refuses DTDs (so no billion laughs and
no external entities) before expat sees one. Every failure is a CommerceMLError (a ValidationFailed:
an English msgid with parameters, translated by the web layer and the CLI) that says what is wrong
and, for broken XML, where.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from server.errors import ValidationFailed

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.S)
_BOM_UTF8 = codecs.BOM_UTF8
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SINGLE_BYTE = ("cp1251", "cp866", "koi8_r", "latin_1", "cp1252", "iso8859_5")


class CommerceMLError(ValidationFailed):
    """The file cannot be read as CommerceML; nothing was imported."""


def bad(problem: ValidationFailed) -> CommerceMLError:
    """A CommerceMLError from a ValidationFailed written where it is raised (so its msgid is found and
    translated like every other)."""
    return CommerceMLError(problem.message, **problem.params)


def _where(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding as declared, lower-case) — or a CommerceMLError naming the problem."""
    if not data or not data.strip(b" \t\r\n\x00" + _BOM_UTF8):
        raise bad(ValidationFailed("The file is empty"))
    if data.startswith(_BOMS_UTF16):
        return _decode(data, "utf-16", "utf-16")
    bom = data.startswith(_BOM_UTF8)
    body = data[len(_BOM_UTF8):] if bom else data
    found = _DECLARATION.match(body[:200])
    declared = found.group(1).decode("ascii").lower() if found else "utf-8"
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise bad(ValidationFailed("The file declares an unknown encoding %(encoding)s", encoding=declared)) from None
    if bom and codec != "utf-8":
        raise bad(ValidationFailed("The file starts with a UTF-8 byte order mark but says it is in %(encoding)s",
                              encoding=declared))
    if codec in _SINGLE_BYTE and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # Cyrillic in a single-byte encoding is practically never valid UTF-8 as well
            raise bad(ValidationFailed("The file says it is in %(encoding)s, but its text is UTF-8: correct the "
                                  "encoding in its first line", encoding=declared))
    return _decode(body, codec, declared)


def _decode(data: bytes, codec: str, declared: str) -> tuple[str, str]:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line, column = _where(data, exc.start)
        raise bad(ValidationFailed("The file says it is in %(encoding)s, but byte %(byte)s at line %(line)s, "
                              "column %(column)s is not %(encoding)s text", encoding=declared,
                              byte=f"0x{data[exc.start]:02X}", line=line, column=column)) from None
    return text.lstrip("\ufeff"), declared


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag


def events(text: str) -> Iterator[tuple[str, Element]]:
    """("start" | "end", element) with namespaces stripped from the tags; safe against XML bombs and
    external entities; broken XML raises a CommerceMLError with the line and column."""
    try:
        for event, element in iterparse(io.StringIO(text), events=("start", "end"), forbid_dtd=True,
                                        forbid_entities=True, forbid_external=True):
            if event == "start":
                element.tag = local(element.tag)
            yield event, element
    except DTDForbidden as exc:
        raise bad(ValidationFailed("The file declares a DTD (<!DOCTYPE %(name)s>): CommerceML files never need one, "
                              "and it is refused for safety", name=exc.name or "")) from None
    except EntitiesForbidden as exc:
        raise bad(ValidationFailed("The file defines the entity %(name)s: entities are refused for safety",
                              name=exc.name or "")) from None
    except ExternalReferenceForbidden as exc:
        raise bad(ValidationFailed("The file refers to the external resource %(name)s: refused for safety",
                              name=exc.sysid or exc.pubid or "")) from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]
        raise bad(ValidationFailed("The file is not well-formed XML: %(reason)s at line %(line)s, column %(column)s",
                              reason=reason, line=line, column=column + 1)) from None


# --- values ----------------------------------------------------------------------------------------

def _number_text(value: str) -> str:
    return value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")


def to_decimal(value: str, item: str) -> Decimal:
    try:
        number = Decimal(_number_text(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise bad(ValidationFailed("Item %(id)s: %(value)s is not a number", id=item, value=value.strip()[:40]))
    return number


def to_kopecks(value: str, item: str) -> int:
    """"6734.47" → 673447, "231.7400" → 23174; more than two decimals that are not zeros is an error."""
    number = to_decimal(value, item) * 100
    if number != number.to_integral_value():
        raise bad(ValidationFailed("Item %(id)s: %(value)s is not an amount in roubles with at most two decimals",
                              id=item, value=value.strip()[:40]))
    return int(number)


def from_kopecks(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    return f"{sign}{whole}.{cents:02d}"


def from_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def to_bool(value: str) -> bool | None:
    text = value.strip().casefold()
    if text in ("true", "1", "да", "yes"):
        return True
    if text in ("false", "0", "нет", "no"):
        return False
    return None
