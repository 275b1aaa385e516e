"""Bad CommerceML input: XML bombs, external entities, broken XML, a wrong encoding, an empty file —
each refused with a clear error (a ValidationFailed the web layer and the CLI translate)."""

from __future__ import annotations

import pytest

from server.errors import ValidationFailed
from server.integrations.commerceml import CommerceMLError, parse_document
from server.web.i18n import translate_error

GOOD = "<?xml version=\"1.0\" encoding=\"{enc}\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.05\"><Документ>" \
       "<Ид>1</Ид><Номер>1</Номер><Сумма>10.50</Сумма></Документ></КоммерческаяИнформация>"


def _refused(data: bytes) -> str:
    with pytest.raises(CommerceMLError) as info:
        parse_document(data)
    assert isinstance(info.value, ValidationFailed)
    return translate_error(info.value.message, info.value.params, "en")


def test_billion_laughs_is_refused_before_any_expansion():
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{n} "{"&lol" + str(n - 1) + ";" if n > 1 else "&lol;"}' * 10 + '">'
                      for n in range(1, 10))
            + ']><КоммерческаяИнформация>&lol9;</КоммерческаяИнформация>')
    assert "DTD" in _refused(bomb.encode())


def test_external_entity_is_refused():
    xxe = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           "<КоммерческаяИнформация><Документ><Ид>&xxe;</Ид></Документ></КоммерческаяИнформация>")
    message = _refused(xxe.encode())
    assert "refused for safety" in message and "root:" not in message


def test_broken_xml_names_line_and_column():
    broken = GOOD.format(enc="UTF-8").replace("</Номер>", "</Номерр>")
    message = _refused(broken.encode())
    assert "not well-formed XML: mismatched tag at line 2, column" in message


def test_wrong_encoding_declared_either_way():
    as_1251 = GOOD.format(enc="UTF-8").encode("cp1251")  # says UTF-8, is windows-1251
    assert "says it is in utf-8, but byte 0xCA at line 2, column 2" in _refused(as_1251)
    as_utf8 = GOOD.format(enc="windows-1251").encode("utf-8")  # says windows-1251, is UTF-8
    assert "its text is UTF-8" in _refused(as_utf8)
    assert "unknown encoding x-nonsense" in _refused(GOOD.format(enc="x-nonsense").encode())


def test_both_encodings_and_a_bom_are_read():
    for data in (GOOD.format(enc="windows-1251").encode("cp1251"), GOOD.format(enc="UTF-8").encode(),
                 b"\xef\xbb\xbf" + GOOD.format(enc="UTF-8").encode(), GOOD.format(enc="UTF-8").split("\n", 1)[1].encode()):
        assert parse_document(data).orders[0].total == 1050


def test_empty_file_and_other_xml():
    assert _refused(b"") == "The file is empty"
    assert _refused(b"\xef\xbb\xbf \n") == "The file is empty"
    assert "root element is rss" in _refused(b"<rss><channel/></rss>")


def test_amounts_must_be_exact_kopecks():
    data = GOOD.format(enc="UTF-8").replace("10.50", "10.505").encode()
    assert _refused(data) == "Item 1: 10.505 is not an amount in roubles with at most two decimals"
    assert parse_document(GOOD.format(enc="UTF-8").replace("10.50", "10,5000").encode()).orders[0].total == 1050
