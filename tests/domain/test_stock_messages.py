"""Stock messages read well in Russian (coverage of every msgid: tests/test_translations.py)."""

from __future__ import annotations

from server.web.i18n import translate_error


def test_a_shortage_reads_in_russian():
    text = translate_error("Not enough %(sku)s in %(warehouse)s: %(requested)s requested, %(available)s available",
                           {"sku": "KEN-AA-250", "warehouse": "MAIN", "requested": 3, "available": 2}, "ru")
    assert text == "Не хватает KEN-AA-250 на складе MAIN: нужно 3, доступно 2"
