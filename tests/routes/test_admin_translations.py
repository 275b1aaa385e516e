"""Every text of the accounts-and-access area — owner screens, sign-in, users/audit domain errors —
has a Russian translation with the same placeholders, and no msgid is defined twice."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from server.routes.admin._common import ROLE_LABELS, ROLE_NAMES
from server.web.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = sorted((ROOT / "pwa" / "manager" / "templates").glob("*admin_*.html"))
CODE = [*sorted((ROOT / "server" / "routes" / "admin").glob("*.py")), ROOT / "server" / "routes" / "auth.py"]
DOMAIN = [*sorted((ROOT / "server" / "domain" / "users").glob("*.py")),
          *sorted((ROOT / "server" / "domain" / "audit").glob("*.py"))]
ERRORS = {"ValidationFailed", "Conflict", "NotFound", "PermissionDenied", "DomainError"}
TEMPLATE_MSGID = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalogs() -> list:
    found = []
    for po in sorted((LOCALE_DIR / "ru" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            found.append(read_po(fh, locale="ru"))
    return found


def _code_msgids(paths: list[Path], calls: set[str]) -> set[str]:
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in calls and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def _msgids() -> set[str]:
    found = {m.group(1) or m.group(2) for path in TEMPLATES for m in TEMPLATE_MSGID.finditer(path.read_text())}
    found |= _code_msgids(CODE, {"_"}) | _code_msgids(DOMAIN, ERRORS)
    found |= {label for _code, label in ROLE_LABELS} | set(ROLE_NAMES.values())
    return found


def test_every_msgid_has_a_russian_translation_with_the_same_placeholders():
    translated = {m.id: m.string for catalog in _catalogs() for m in catalog if m.id}
    msgids = _msgids()
    assert len(msgids) > 80 and len(TEMPLATES) >= 8
    assert sorted(m for m in msgids if not translated.get(m)) == []
    for msgid in msgids:
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(translated[msgid])), msgid


def test_no_msgid_is_defined_twice_across_the_po_files():
    counts = Counter(m.id for catalog in _catalogs() for m in catalog if m.id)
    assert sorted(msgid for msgid, n in counts.items() if n > 1) == []
