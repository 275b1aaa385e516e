"""Every CommerceML fixture: parse → write → parse gives the same dataclasses, in the file's own
encoding and in the other one (UTF-8 ↔ windows-1251)."""

from __future__ import annotations

import pytest
from commerceml_helpers import fixture_files

from server.integrations.commerceml import parse_document, write_document

FILES = fixture_files()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture_round_trips_through_the_writer(path):
    doc = parse_document(path.read_bytes())
    assert doc.classifier or doc.catalog or doc.package or doc.orders or "empty" in path.name
    written = write_document(doc)
    assert written.startswith(f'<?xml version="1.0" encoding="{"UTF-8" if doc.encoding == "utf-8" else doc.encoding}"?>'
                              .encode("ascii"))
    assert parse_document(written) == doc
    other = "windows-1251" if doc.encoding == "utf-8" else "utf-8"
    again = parse_document(write_document(doc, encoding=other))
    assert again.encoding == other
    again.encoding = doc.encoding
    assert again == doc


def test_the_fixture_folder_is_complete():
    names = {p.name for p in FILES}
    assert len(names) == 17 and {"cml31_goods_rests.xml", "cml203_orders_cp1251.xml"} <= names
