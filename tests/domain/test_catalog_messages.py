"""Catalog messages read well in Russian (coverage of every msgid: tests/test_translations.py)."""

from __future__ import annotations

from server.web.i18n import translate_error


def test_a_taken_sku_reads_in_russian():
    text = translate_error("SKU %(sku)s is already used by %(product)s", {"sku": "KEN-250", "product": "Кения АА"},
                           "ru")
    assert text == "Артикул KEN-250 уже занят товаром «Кения АА»"
