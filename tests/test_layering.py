"""The domain never imports the web framework or the web layer (conventions.md, rule 1)."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "server" / "domain"
FORBIDDEN = ("litestar", "server.web", "server.routes", "jinja2", "uvicorn")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_the_domain_imports_no_web_code():
    offenders = [
        f"{path.relative_to(DOMAIN.parent.parent)}: {name}"
        for path in sorted(DOMAIN.rglob("*.py"))
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert offenders == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from litestar import get\nimport server.web.access\n", encoding="utf-8")
    assert _imports(sample) == ["litestar", "server.web.access"]
