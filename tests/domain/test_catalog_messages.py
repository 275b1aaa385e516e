"""Every message the catalog can raise has a Russian translation with the same placeholders, and
catalog.po repeats no msgid of another .po file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.pofile import read_po

import server.domain.catalog as catalog_package
from server.web.i18n import LOCALE_DIR, translate_error

ERRORS = {"ValidationFailed", "Conflict", "NotFound", "DomainError"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
RU = LOCALE_DIR / "ru" / "LC_MESSAGES"


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _raised_messages() -> set[str]:
    found: set[str] = set()
    for path in Path(catalog_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            texts = []
            if _name(node.func) in ERRORS and node.args:
                texts.append(node.args[0])
            if _name(node.func) == "raise_all" and len(node.args) > 1:
                texts.append(node.args[1])
            found.update(t.value for t in texts if isinstance(t, ast.Constant) and isinstance(t.value, str))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "raise_all":
                found.update(d.value for d in node.args.defaults if isinstance(d, ast.Constant))
    return found


def _read(path: Path) -> dict[str, str]:
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale="ru") if m.id}


def test_every_catalog_message_has_a_russian_translation_with_the_same_placeholders():
    translated: dict[str, str] = {}
    for po in sorted(RU.glob("*.po")):
        translated.update(_read(po))
    messages = _raised_messages()
    assert len(messages) > 60
    assert sorted(m for m in messages if not translated.get(m)) == []
    for msgid in messages:
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(translated[msgid])), msgid


def test_catalog_po_repeats_no_msgid_of_another_file():
    ours = set(_read(RU / "catalog.po"))
    for po in RU.glob("*.po"):
        if po.name != "catalog.po":
            assert ours & set(_read(po)) == set(), po.name


def test_a_taken_sku_reads_in_russian():
    text = translate_error("SKU %(sku)s is already used by %(product)s", {"sku": "KEN-250", "product": "Кения АА"},
                           "ru")
    assert text == "Артикул KEN-250 уже занят товаром «Кения АА»"
