"""CommerceML bytes → dataclasses (model.py), streaming.

The file is walked with iterparse: every Товар of a Каталог, every Предложение and every Документ is
turned into its dataclass as soon as its end tag is read and then dropped from the tree, so a catalog
of 100 000 offers never sits in memory as XML. Namespaces (urn:1C.ru:commerceml_2 / _3, or none) are
ignored; unknown elements are skipped.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element

from server.errors import ValidationFailed
from server.integrations.commerceml._xml import (
    CommerceMLError,
    bad,
    decode,
    events,
    to_bool,
    to_decimal,
    to_kopecks,
)
from server.integrations.commerceml.model import (
    Catalog,
    Characteristic,
    Choice,
    Classifier,
    CmlDocument,
    Contact,
    Counterparty,
    Discount,
    Group,
    Offer,
    OfferPackage,
    Order,
    OrderLine,
    Price,
    PriceType,
    Product,
    PropertyDef,
    PropertyValue,
    Requisite,
    StockLevel,
    TaxRate,
    Unit,
    UnitDef,
    Warehouse,
)

ROOT = "КоммерческаяИнформация"
PACKAGES = ("ПакетПредложений", "ИзмененияПакетаПредложений")


def parse_document(data: bytes | BinaryIO) -> CmlDocument:
    """Any CommerceML file (import, offers, prices, rests, orders) → CmlDocument.
    Raises CommerceMLError (empty file, wrong encoding, broken XML with line and column, DTDs and
    entities, a root that is not КоммерческаяИнформация, a price that is not exact kopecks)."""
    raw = data if isinstance(data, bytes | bytearray) else data.read()
    text, encoding = decode(bytes(raw))
    doc = CmlDocument(encoding=encoding, version="")
    stack: list[Element] = []
    products: list[Product] = []
    offers: list[Offer] = []
    for event, el in events(text):
        if event == "start":
            if not stack:
                _start_root(doc, el)
            stack.append(el)
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        path = [e.tag for e in stack[-3:]]
        if _collect(doc, el, path, products, offers) and parent is not None:
            parent.remove(el)
        elif not stack and el.tag != ROOT:  # pragma: no cover - the start event already refused it
            raise _not_cml(el.tag)
    return doc


def read_file(path: str | Path) -> CmlDocument:
    return parse_document(Path(path).read_bytes())


def parse_orders(data: bytes | BinaryIO) -> list[Order]:
    """Only the order documents of a file (e.g. a site's answer to type=sale&mode=query)."""
    return parse_document(data).orders


def _not_cml(tag: str) -> CommerceMLError:
    return bad(ValidationFailed("Not a CommerceML file: the root element is %(root)s, expected КоммерческаяИнформация",
                           root=tag))


def _start_root(doc: CmlDocument, el: Element) -> None:
    if el.tag != ROOT:
        raise _not_cml(el.tag)
    doc.version = (el.get("ВерсияСхемы") or "").strip()
    doc.generated_at = (el.get("ДатаФормирования") or "").strip()


def _collect(doc: CmlDocument, el: Element, path: list[str], products: list[Product],
             offers: list[Offer]) -> bool:
    """Turns a finished element into its dataclass; True when it can be dropped from the tree."""
    tag = el.tag
    if tag == "Товар" and path[-2:] == ["Каталог", "Товары"]:
        products.append(read_product(el))
        return True
    if tag == "Предложение" and path[-1:] == ["Предложения"]:
        offers.append(read_offer(el))
        return True
    if tag == "Документ":
        doc.orders.append(read_order(el))
        return True
    if tag == "Классификатор" and path == [ROOT]:
        doc.classifier = read_classifier(el)
        return True
    if tag == "Каталог" and path == [ROOT]:
        doc.catalog = Catalog(id=_t(el, "Ид"), classifier_id=_t(el, "ИдКлассификатора"), name=_name(el, "Наименование"),
                              only_changes=_flag(el), products=products[:])
        products.clear()
        return True
    if tag in PACKAGES and path == [ROOT]:
        doc.package = OfferPackage(id=_t(el, "Ид"), name=_name(el, "Наименование"), catalog_id=_t(el, "ИдКаталога"),
                                   classifier_id=_t(el, "ИдКлассификатора"), only_changes=_flag(el),
                                   price_types=_price_types(el), warehouses=_warehouses(el), offers=offers[:])
        offers.clear()
        return True
    return False


# --- small readers ---------------------------------------------------------------------------------

def _t(el: Element | None, name: str) -> str:
    """The trimmed text of the first child `name` ("" when absent)."""
    child = el.find(name) if el is not None else None
    return (child.text or "").strip() if child is not None else ""


def _name(el: Element | None, name: str) -> str:
    return " ".join(_t(el, name).split())


def _text(el: Element) -> str:
    return " ".join((el.text or "").split())


def _flag(el: Element) -> bool | None:
    value = el.get("СодержитТолькоИзменения")
    return to_bool(value) if value is not None else None


def _deleted(el: Element) -> bool:
    return bool(to_bool(_t(el, "ПометкаУдаления"))) or _t(el, "Статус").casefold() == "удален"


def _texts(el: Element, path: str) -> list[str]:
    return [t for t in (_text(c) for c in el.findall(path)) if t]


def _unit(el: Element | None) -> Unit | None:
    if el is None:
        return None
    unit = Unit(code=(el.get("Код") or "").strip(), name=_text(el),
                full_name=" ".join((el.get("НаименованиеПолное") or "").split()),
                international=(el.get("МеждународноеСокращение") or "").strip())
    return unit if any((unit.code, unit.name, unit.full_name, unit.international)) else None


def _properties(el: Element) -> list[PropertyValue]:
    return [PropertyValue(property_id=_t(p, "Ид"), values=_texts(p, "Значение"))
            for p in el.findall("ЗначенияСвойств/ЗначенияСвойства")]


def _characteristics(el: Element) -> list[Characteristic]:
    return [Characteristic(name=_name(c, "Наименование"), value=_name(c, "Значение"), id=_t(c, "Ид"))
            for c in el.findall("ХарактеристикиТовара/ХарактеристикаТовара")]


def _requisites(el: Element) -> list[Requisite]:
    return [Requisite(name=_name(r, "Наименование"), value=_name(r, "Значение"))
            for r in el.findall("ЗначенияРеквизитов/ЗначениеРеквизита")]


def _taxes(el: Element) -> list[TaxRate]:
    return [TaxRate(name=_name(t, "Наименование"), rate=_name(t, "Ставка"))
            for t in el.findall("СтавкиНалогов/СтавкаНалога")]


def _money(el: Element, name: str, item: str) -> int | None:
    text = _t(el, name)
    return to_kopecks(text, item) if text else None


def _price_types(el: Element) -> list[PriceType]:
    out = []
    for p in el.findall("ТипыЦен/ТипЦены"):
        tax = p.find("Налог")
        out.append(PriceType(id=_t(p, "Ид"), name=_name(p, "Наименование"), currency=_t(p, "Валюта"),
                             tax_name=_name(tax, "Наименование"),
                             tax_included=to_bool(_t(tax, "УчтеноВСумме")) if tax is not None else None))
    return out


def _warehouses(el: Element) -> list[Warehouse]:
    return [Warehouse(id=_t(w, "Ид"), name=_name(w, "Наименование"), address=" ".join(_t(w.find("Адрес"), "Представление").split()),
                      deleted=_deleted(w)) for w in el.findall("Склады/Склад")]


def _groups(el: Element) -> list[Group]:
    return [Group(id=_t(g, "Ид"), name=_name(g, "Наименование"), groups=_groups(g), deleted=_deleted(g))
            for g in el.findall("Группы/Группа")]


# --- the documents' parts --------------------------------------------------------------------------

def read_classifier(el: Element) -> Classifier:
    properties = [PropertyDef(id=_t(p, "Ид"), name=_name(p, "Наименование"), value_type=_t(p, "ТипЗначений"),
                              multiple=bool(to_bool(_t(p, "Множественное"))),
                              choices=[Choice(id=_t(c, "ИдЗначения"), value=_name(c, "Значение"))
                                       for c in p.findall("ВариантыЗначений/Справочник")])
                  for p in el.findall("Свойства/Свойство")]
    units = [UnitDef(id=_t(u, "Ид"), code=_t(u, "Код"), short_name=_name(u, "НаименованиеКраткое"),
                     full_name=_name(u, "НаименованиеПолное"), international=_t(u, "МеждународноеСокращение"))
             for u in el.findall("ЕдиницыИзмерения/ЕдиницаИзмерения")]
    return Classifier(id=_t(el, "Ид"), name=_name(el, "Наименование"), only_changes=_flag(el), groups=_groups(el),
                      properties=properties, price_types=_price_types(el), warehouses=_warehouses(el), units=units)


def read_product(el: Element) -> Product:
    pid = _t(el, "Ид")
    weight = _t(el, "Вес")
    return Product(id=pid, name=_name(el, "Наименование"), sku=_name(el, "Артикул"), barcodes=_texts(el, "Штрихкод"),
                   unit=_unit(el.find("БазоваяЕдиница")), group_ids=_texts(el, "Группы/Ид"),
                   description=_t(el, "Описание"), images=_texts(el, "Картинка"), properties=_properties(el),
                   taxes=_taxes(el), characteristics=_characteristics(el), requisites=_requisites(el),
                   weight=to_decimal(weight, pid) if weight else None, deleted=_deleted(el))


def _stock(el: Element, oid: str) -> tuple[list[StockLevel], Decimal | None]:
    levels = [StockLevel(warehouse_id=(s.get("ИдСклада") or "").strip(),
                         quantity=to_decimal(s.get("КоличествоНаСкладе") or "0", oid))
              for s in el.findall("Склад") if s.get("ИдСклада") is not None]
    total = None
    for rest in el.findall("Остатки/Остаток"):
        place = rest.find("Склад")
        if place is not None:
            levels.append(StockLevel(warehouse_id=_t(place, "Ид"), quantity=to_decimal(_t(place, "Количество") or "0", oid)))
        elif _t(rest, "Количество"):
            total = to_decimal(_t(rest, "Количество"), oid)
    return levels, total


def read_offer(el: Element) -> Offer:
    oid = _t(el, "Ид")
    prices = []
    for p in el.findall("Цены/Цена"):
        amount = _money(p, "ЦенаЗаЕдиницу", oid)
        if amount is not None:
            prices.append(Price(price_type_id=_t(p, "ИдТипаЦены"), amount=amount, currency=_t(p, "Валюта"),
                                unit=_t(p, "Единица"), factor=_t(p, "Коэффициент")))
    stock, rests_total = _stock(el, oid)
    quantity = _t(el, "Количество")
    return Offer(id=oid, name=_name(el, "Наименование"), sku=_name(el, "Артикул"), barcodes=_texts(el, "Штрихкод"),
                 unit=_unit(el.find("БазоваяЕдиница")), characteristics=_characteristics(el), prices=prices,
                 quantity=to_decimal(quantity, oid) if quantity else rests_total, stock=stock,
                 group_ids=_texts(el, "Группы/Ид"), properties=_properties(el), deleted=_deleted(el))


def _discounts(el: Element, item: str) -> list[Discount]:
    return [Discount(name=_name(d, "Наименование"), amount=_money(d, "Сумма", item) or 0, percent=_t(d, "Процент"),
                     included=to_bool(_t(d, "УчтеноВСумме")) if _t(d, "УчтеноВСумме") else None)
            for d in el.findall("Скидки/Скидка")]


def _counterparty(el: Element) -> Counterparty:
    address = el.find("АдресРегистрации")
    if address is None:
        address = el.find("Адрес")
    contacts = [Contact(kind=_name(c, "Тип"), value=_name(c, "Значение"))
                for c in el.findall("Контакты/*") if c.find("Тип") is not None]
    return Counterparty(id=_t(el, "Ид"), name=_name(el, "Наименование"), full_name=_name(el, "ПолноеНаименование"),
                        role=_name(el, "Роль"), last_name=_name(el, "Фамилия"), first_name=_name(el, "Имя"),
                        middle_name=_name(el, "Отчество"), inn=_t(el, "ИНН"), kpp=_t(el, "КПП"),
                        address=_name(address, "Представление"), contacts=contacts)


def _line(el: Element, order_id: str) -> OrderLine:
    item = f"{order_id}/{_t(el, 'Ид')}"
    quantity = _t(el, "Количество")
    return OrderLine(id=_t(el, "Ид"), name=_name(el, "Наименование"), catalog_id=_t(el, "ИдКаталога"),
                     sku=_name(el, "Артикул"), unit=_unit(el.find("БазоваяЕдиница")),
                     price=_money(el, "ЦенаЗаЕдиницу", item),
                     quantity=to_decimal(quantity, item) if quantity else to_decimal("0", item),
                     total=_money(el, "Сумма", item), discounts=_discounts(el, item),
                     characteristics=_characteristics(el), taxes=_taxes(el), requisites=_requisites(el))


def read_order(el: Element) -> Order:
    oid = _t(el, "Ид") or _t(el, "Номер")
    return Order(id=_t(el, "Ид"), number=_t(el, "Номер"), date=_t(el, "Дата"), time=_t(el, "Время"),
                 operation=_name(el, "ХозОперация"), role=_name(el, "Роль"), currency=_t(el, "Валюта"),
                 rate=_t(el, "Курс"), total=_money(el, "Сумма", oid), comment=_t(el, "Комментарий"),
                 counterparties=[_counterparty(c) for c in el.findall("Контрагенты/Контрагент")],
                 lines=[_line(t, oid) for t in el.findall("Товары/Товар")], discounts=_discounts(el, oid),
                 requisites=_requisites(el))
