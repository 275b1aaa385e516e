"""The Честный ЗНАК code parser (server/domain/marking/gs1.py) on the synthetic codes of
tests/fixtures/marking (copied from ../shared/fixtures) and on codes built by hypothesis: every way a
wedge scanner damages a code gives back the same КИ and КМ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.catalog.barcodes import gs1_check_digit
from server.domain.marking.gs1 import GS, gtin_candidates, gtin_check_ok, looks_like_marking, parse_marking
from server.errors import ValidationFailed

SAMPLES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "marking" / "synthetic_codes.json")
                     .read_text(encoding="utf-8"))
CODES = {c["kind"].split(" ")[0]: c["raw"] for c in SAMPLES["codes"]}
FIRST = SAMPLES["codes"][0]["raw"]


def test_the_fixture_gtins_have_valid_check_digits():
    assert all(gtin_check_ok(g) for g in SAMPLES["gtins"])
    assert not gtin_check_ok("04600123456783")


@pytest.mark.parametrize("sample", SAMPLES["codes"], ids=lambda c: c["kind"].split(" ")[0])
def test_each_fixture_code_parses_into_its_layout(sample):
    raw = sample["raw"]
    code = parse_marking(raw)
    assert len(raw) == sample["length"]
    assert code.gtin in SAMPLES["gtins"]
    assert code.complete and not code.repaired
    assert looks_like_marking(raw)
    if code.tobacco:
        assert (code.gtin, code.serial, code.check) == (raw[:14], raw[14:21], raw[21:])
        assert code.ki == raw[:21] and code.km == raw
    else:
        serial, _, tail = raw[18:].partition(GS)
        assert code.serial == serial and code.ki == raw[:18] + serial
        assert code.km == raw  # GS kept where it was
        assert tail.startswith(("91", "93"))


def test_light_industry_code_fields():
    code = parse_marking(CODES["light"])
    assert code.gtin == "04600123456782"
    assert code.serial == "Ab3+Cd5-eF7gH"
    assert code.key_id == "EE10"
    assert len(code.signature) == 88
    assert code.ki == "010460012345678221Ab3+Cd5-eF7gH"


def test_dairy_code_has_a_short_check_and_medicines_a_44_signature():
    dairy = parse_marking(CODES["dairy"])
    assert (dairy.serial, dairy.check, dairy.signature) == ("5Q!x7t", "dGVz", "")
    medicine = parse_marking(CODES["medicines"])
    assert (medicine.serial, medicine.key_id, len(medicine.signature)) == ("QWERTY1234567", "FFD0", 44)


@pytest.mark.parametrize("variant", sorted(set(SAMPLES["scanner_variants_of_first_code"]) - {"crypto_tail_cut_off"}))
def test_every_scanner_damage_of_the_first_code_is_repaired(variant):
    damaged = SAMPLES["scanner_variants_of_first_code"][variant]
    original = parse_marking(FIRST)
    code = parse_marking(damaged)
    assert code.repaired
    assert (code.ki, code.km, code.complete) == (original.ki, original.km, True)


def test_a_code_cut_after_the_serial_keeps_its_ki_but_is_incomplete():
    code = parse_marking(SAMPLES["scanner_variants_of_first_code"]["crypto_tail_cut_off"])
    assert code.ki == parse_marking(FIRST).ki
    assert not code.complete and code.signature == ""


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"),
    ("4600123456782", "not a marking code"),  # a plain EAN-13
    ("010460012345678321Ab3+Cd5-eF7gH\x1d93dGVz", "wrong check digit"),  # GTIN check digit 3, not 2
    ("04600555000118AbC&5x!AAB9Zx9Y", "wrong check digit"),  # tobacco pack, bad GTIN
    ("0104600123456782215Q!x7t\x1d99zzzz", "cannot be read"),  # an unknown AI after the serial
    ("0104600123456782211234567890123456789012345", "cannot be read"),  # serial longer than 20, no tail
])
def test_what_is_not_a_valid_code_is_refused_with_a_reason(bad, reason):
    with pytest.raises(ValidationFailed) as caught:
        parse_marking(bad)
    assert reason in str(caught.value)


def test_a_plain_barcode_does_not_look_like_marking():
    assert not looks_like_marking("4600123456782")
    assert not looks_like_marking("SKU-0001")
    assert looks_like_marking(CODES["tobacco"])


def test_gtin_candidates_cover_ean13_upc_and_ean8():
    assert gtin_candidates("04600123456782") == ["04600123456782", "4600123456782"]
    assert gtin_candidates("00012345678905") == ["00012345678905", "0012345678905", "012345678905"]
    assert gtin_candidates("00000096385074")[-1] == "96385074"


# ---- generated codes -------------------------------------------------------------------------------

CHARSET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@st.composite
def gtins(draw) -> str:
    body = draw(st.text("0123456789", min_size=13, max_size=13))
    return body + gs1_check_digit(body)


def serials(size: int):
    return st.text(CHARSET_82, min_size=size, max_size=size).filter(lambda s: "<GS>" not in s and "<gs>" not in s)


@st.composite
def full_codes(draw) -> tuple[str, str, str]:
    """(code with GS, КИ, layout): a 13-character serial with 91+92(44|88), or a 6-character one with 93."""
    gtin = draw(gtins())
    if draw(st.booleans()):
        serial = draw(serials(13))
        signature = draw(st.text(BASE64, min_size=88, max_size=88) | st.text(BASE64, min_size=44, max_size=44))
        tail = f"91{draw(st.text(BASE64, min_size=4, max_size=4))}{GS}92{signature}"
    else:
        serial = draw(serials(6))
        tail = f"93{draw(st.text(CHARSET_82, min_size=4, max_size=4))}"
    ki = f"01{gtin}21{serial}"
    return f"{ki}{GS}{tail}", ki, "long" if tail.startswith("91") else "short"


@settings(max_examples=300, deadline=None)
@given(full_codes())
def test_a_generated_code_round_trips(generated):
    raw, ki, _ = generated
    code = parse_marking(raw)
    assert (code.ki, code.km, code.complete, code.repaired) == (ki, raw, True, False)


@settings(max_examples=300, deadline=None)
@given(full_codes(), st.sampled_from(["drop", "^", "<GS>", "symbology", "fnc1", "enter"]))
def test_a_damaged_generated_code_is_repaired_to_the_same_km(generated, damage):
    raw, ki, _ = generated
    damaged = {
        "drop": raw.replace(GS, ""),
        "^": raw.replace(GS, "^"),
        "<GS>": raw.replace(GS, "<GS>"),
        "symbology": "]d2" + raw,
        "fnc1": GS + raw,
        "enter": raw + "\r\n",
    }[damage]
    code = parse_marking(damaged)
    assert (code.ki, code.km, code.complete) == (ki, raw, True)
    assert looks_like_marking(damaged)


@settings(max_examples=200, deadline=None)
@given(gtins(), st.integers(min_value=1, max_value=20).flatmap(serials))
def test_a_code_cut_after_any_serial_gives_that_serial(gtin, serial):
    code = parse_marking(f"01{gtin}21{serial}{GS}")
    assert code.serial == serial and code.gtin == gtin and not code.complete
