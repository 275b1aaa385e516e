"""Russian first: every text the user can see — in templates, in controllers and in the messages of
domain errors — has a Russian translation with the same %(placeholders)s, and no msgid is defined in
two .po files (the one that is read last would silently win)."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from server.web.i18n import LOCALE_DIR, translate_error

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TEMPLATE_MSGID = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
ERRORS = {"DomainError", "ValidationFailed", "Conflict", "NotFound", "InsufficientStock", "PermissionDenied"}
# Calls whose n-th positional argument is a msgid.
MSGID_ARG = {"_": 0, "gettext": 0, "translate_error": 0, "_line_error": 1, "_refuse": 1, "_Decision": 1, **dict.fromkeys(ERRORS, 0)}
# Tables of texts translated later, where they are shown (name of the constant in its module).
DEFERRED = {
    "server/domain/stock/_validate.py": ["TEXT_LIMITS"],
    "server/routes/admin/_common.py": ["ROLE_LABELS", "ROLE_NAMES"],
    "server/web/problems.py": ["_TITLES", "_HTTP_MESSAGES", "_TYPE_NAMES", "_VALIDATION_PATTERNS"],
    "server/routes/pwa.py": ["PWA_APPS"],
}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def _call_name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _strings(node: ast.AST) -> set[str]:
    """Every English-looking string constant under a node (keys and codes like "owner" included:
    only the ones that are msgids are looked up, see _deferred)."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _python_msgids(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            position = MSGID_ARG.get(_call_name(node.func) or "")
            if position is not None and len(node.args) > position:
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
        elif isinstance(node, ast.FunctionDef) and node.name == "raise_all":  # its default summary line
            found.update(d.value for d in node.args.defaults if isinstance(d, ast.Constant)
                         and isinstance(d.value, str))
    return found


def _deferred(path: Path, names: list[str]) -> set[str]:
    """Sentences (several words, or a capitalised word) from the named constant tables."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id in names for t in targets) and node.value is not None:
            found |= {s for s in _strings(node.value) if s[:1].isupper() and ENGLISH_WORD.search(s)
                      and not s.startswith("/") and "-" not in s.split(" ")[0]}
    return found


def all_msgids() -> dict[str, set[str]]:
    """msgid → where it is used."""
    used: dict[str, set[str]] = {}

    def add(texts: set[str], where: str) -> None:
        for text in texts:
            used.setdefault(text, set()).add(where)

    for path in sorted((ROOT / "pwa").rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        add({m.group(1) or m.group(2) for m in TEMPLATE_MSGID.finditer(text)}, str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "server").rglob("*.py")):
        if "piccolo_migrations" in path.parts or path.parts[-2] == "demo":
            continue
        add(_python_msgids(path), str(path.relative_to(ROOT)))
    for name, constants in DEFERRED.items():
        add(_deferred(ROOT / name, constants), name)
    return used


def _catalogs() -> dict[str, dict[str, str]]:
    found = {}
    for po in sorted((LOCALE_DIR / "ru" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            found[po.name] = {m.id: m.string for m in read_po(fh, locale="ru") if m.id}
    return found


def test_every_visible_text_has_a_russian_translation_with_the_same_placeholders():
    translated = {msgid: text for catalog in _catalogs().values() for msgid, text in catalog.items()}
    used = all_msgids()
    assert len(used) > 400  # the extraction really finds the texts
    missing = sorted(f"{msgid!r} in {sorted(where)[0]}" for msgid, where in used.items() if not translated.get(msgid))
    assert missing == []
    wrong = sorted(msgid for msgid in used
                   if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(translated[msgid])))
    assert wrong == []


def test_no_msgid_is_defined_in_two_po_files():
    counts = Counter(msgid for catalog in _catalogs().values() for msgid in catalog)
    assert sorted(msgid for msgid, n in counts.items() if n > 1) == []


def test_the_extraction_sees_each_kind_of_source(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text('raise Conflict("Taken %(sku)s", sku=s)\nlabel = _("Catalog")\n'
                      'problems.append(_line_error(n, "Line %(line)s: bad"))\n', encoding="utf-8")
    assert _python_msgids(sample) == {"Taken %(sku)s", "Catalog", "Line %(line)s: bad"}
    assert TEMPLATE_MSGID.search('{{ _("Sign out") }}').group(1) == "Sign out"


def test_english_is_the_msgid_itself():
    assert translate_error("Not enough %(sku)s in %(warehouse)s: %(requested)s requested, %(available)s "
                           "available", {"sku": "A-1", "warehouse": "MAIN", "requested": 3, "available": 2},
                           "en") == "Not enough A-1 in MAIN: 3 requested, 2 available"
