"""Where the CommerceML fixtures are: tests/fixtures/commerceml (copied from the shared fixture set)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "commerceml"


def fixture_files() -> list[Path]:
    files = sorted(FIXTURES.glob("*.xml"))
    if not files:
        raise RuntimeError(f"the CommerceML fixtures are missing: expected them in {FIXTURES}")
    return files


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
