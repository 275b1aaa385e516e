"""pwa/warehouse/static/gs1.js (the device's marking-code parser, for checks made offline) against the
server's server/domain/marking/gs1.py, in Chromium: every code of tests/fixtures/marking/synthetic_codes.json
with its scanner variants, and the same codes damaged in the ways wedge scanners and people damage them
(GS dropped or substituted, a symbology identifier, cut short, a character lost or added). Both must agree
on КИ, КМ and completeness, or on the reason a code is refused."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from server.domain.marking.gs1 import GS, looks_like_marking, parse_marking
from server.errors import ValidationFailed

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "marking" / "synthetic_codes.json").read_text(encoding="utf-8"))
GS1_JS = ROOT / "pwa" / "warehouse" / "static" / "gs1.js"


def fixture_codes() -> list[str]:
    return [c["raw"] for c in FIXTURE["codes"]] + list(FIXTURE["scanner_variants_of_first_code"].values())


def damaged(codes: list[str], per_code: int = 25) -> list[str]:
    """Each code damaged at random (seeded), the way scanners and hands do it."""
    rnd = random.Random(20261206)
    out = []
    for code in codes:
        out += [code.replace(GS, ""), code.replace(GS, "~"), code.replace(GS, "<GS>"), "]d2" + code, GS + code,
                code.split(GS)[0], code + "\r\n", code.replace(GS, "^", 1)]
        for _ in range(per_code):
            chars = list(code)
            at = rnd.randrange(len(chars))
            kind = rnd.choice(("drop", "add", "cut", "swap"))
            if kind == "drop":
                del chars[at]
            elif kind == "add":
                chars.insert(at, rnd.choice("0123456789^~" + GS + "AZaz+/="))
            elif kind == "cut":
                chars = chars[:at]
            else:
                chars[at] = rnd.choice("0123456789")
            out.append("".join(chars))
    return out + ["", "   ", "4600123456782", "0104600123456782", "010460012345678221", "0104600123456781211234567"]


def python_view(code: str) -> dict:
    try:
        m = parse_marking(code)
    except ValidationFailed as exc:
        return {"looks": looks_like_marking(code), "error": exc.message, "params": exc.params}
    return {"looks": looks_like_marking(code), "ki": m.ki, "km": m.km, "complete": m.complete, "gtin": m.gtin,
            "serial": m.serial, "tobacco": m.tobacco, "repaired": m.repaired}


JS_VIEW = """(codes) => codes.map((code) => {
  const G = window.KladovkaGS1;
  try {
    const m = G.parse(code);
    return {looks: G.looksLikeMarking(code), ki: m.ki, km: m.km, complete: m.complete, gtin: m.gtin,
            serial: m.serial, tobacco: m.tobacco, repaired: m.repaired};
  } catch (e) {
    if (!e.msgid) throw e;
    return {looks: G.looksLikeMarking(code), error: e.msgid, params: e.params};
  }
})"""


@pytest.fixture
async def gs1_page(chromium):
    context = await chromium.new_context()
    page = await context.new_page()
    await page.set_content("<!doctype html><meta charset=utf-8><title>gs1</title>")
    await page.add_script_tag(path=str(GS1_JS))
    yield page
    await context.close()


async def test_gs1_js_reads_every_fixture_code_and_scanner_variant_as_the_server_does(gs1_page):
    codes = fixture_codes()
    browser = await gs1_page.evaluate(JS_VIEW, codes)
    expected = [python_view(c) for c in codes]
    assert browser == expected
    assert sum(1 for v in expected if v.get("complete")) == 9  # the cut one is read, but incomplete
    assert {v["ki"] for v in expected[4:9]} == {expected[0]["ki"]}  # the variants are the first code repaired


async def test_gs1_js_agrees_with_the_server_on_damaged_codes_too(gs1_page):
    codes = damaged(fixture_codes())
    browser = await gs1_page.evaluate(JS_VIEW, codes)
    differ = [(c, p, b) for c, p, b in zip(codes, [python_view(c) for c in codes], browser, strict=True) if p != b]
    assert differ == [], differ[:3]
    assert len({json.dumps(b, sort_keys=True) for b in browser}) > 20  # the damage led to many outcomes
