"""Every message the stock ledger can raise has a Russian translation with the same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

import server.domain.stock as stock_package
from server.domain.stock._validate import TEXT_LIMITS
from server.web.i18n import LOCALE_DIR, translate_error

ERRORS = {"ValidationFailed", "Conflict", "InsufficientStock", "NotFound", "DomainError"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _raised_messages() -> set[str]:
    found = {message for _, message in TEXT_LIMITS.values()}
    for path in Path(stock_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERRORS and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_every_stock_message_has_a_russian_translation_with_the_same_placeholders():
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "stock.po").open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    translated = {m.id: m.string for m in catalog if m.id}
    messages = _raised_messages()
    assert len(messages) > 40
    missing = sorted(m for m in messages if not translated.get(m))
    assert missing == []
    for msgid in messages:
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(translated[msgid])), msgid


def test_a_shortage_reads_in_russian():
    text = translate_error("Not enough %(sku)s in %(warehouse)s: %(requested)s requested, %(available)s available",
                           {"sku": "KEN-AA-250", "warehouse": "MAIN", "requested": 3, "available": 2}, "ru")
    assert text == "Не хватает KEN-AA-250 на складе MAIN: нужно 3, доступно 2"
