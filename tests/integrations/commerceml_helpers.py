"""Where the CommerceML fixtures are: ../shared/fixtures/commerceml beside the repository."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "commerceml"


def fixture_files() -> list[Path]:
    files = sorted(FIXTURES.glob("*.xml"))
    if not files:
        raise RuntimeError(f"the CommerceML fixtures are missing: expected them in {FIXTURES}")
    return files


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
