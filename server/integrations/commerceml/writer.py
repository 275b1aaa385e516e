"""Dataclasses (model.py) → CommerceML bytes, written incrementally.

`CmlWriter` writes into a binary stream piece by piece (a 100 000-variant export never builds a
tree): open it, write the classifier, `begin_catalog` + `product(...)` per product + `end_catalog`,
the same for a package of offers, or `order(...)` per document, and close it. The `write_*`
functions wrap it for whole documents. UTF-8 by default (with its declaration, no BOM), or
windows-1251 on request (characters it lacks become &#NNNN; references). Only what the model holds is
written, in the element order 1C and the site modules expect; parse(write(doc)) == doc.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import BinaryIO

from server.integrations.commerceml._out import XmlOut
from server.integrations.commerceml._xml import from_decimal, from_kopecks
from server.integrations.commerceml.model import (
    Catalog,
    Characteristic,
    Classifier,
    CmlDocument,
    Counterparty,
    Discount,
    Group,
    Offer,
    OfferPackage,
    Order,
    OrderLine,
    PriceType,
    Product,
    PropertyValue,
    Requisite,
    TaxRate,
    Unit,
    Warehouse,
)

DEFAULT_VERSION = "2.07"
ENCODINGS = {"utf-8": "UTF-8", "utf8": "UTF-8", "windows-1251": "windows-1251", "cp1251": "windows-1251"}


def _namespace(version: str) -> str | None:
    if version.startswith("3"):
        return "urn:1C.ru:commerceml_3"
    try:
        return "urn:1C.ru:commerceml_2" if tuple(int(p) for p in version.split(".")[:2]) >= (2, 7) else None
    except ValueError:
        return None


def _bool(value: bool) -> str:
    return "true" if value else "false"


class CmlWriter:
    """with CmlWriter(stream, version="2.07", encoding="utf-8") as w: w.classifier(c); w.catalog(cat) …"""

    def __init__(self, out: BinaryIO, *, version: str = DEFAULT_VERSION, encoding: str = "utf-8",
                 generated_at: str | None = None) -> None:
        name = ENCODINGS.get(encoding.lower())
        if name is None:
            raise ValueError(f"CommerceML is written in UTF-8 or windows-1251, not {encoding}")
        self.version = version or DEFAULT_VERSION
        self.generated_at = generated_at if generated_at is not None else datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
        self._x = XmlOut(out, name)
        self._v3 = self.version.startswith("3")
        self._old = _namespace(self.version) is None and not self._v3

    def __enter__(self) -> CmlWriter:
        attrs = {}
        namespace = _namespace(self.version)
        if namespace:
            attrs["xmlns"] = namespace
        attrs["ВерсияСхемы"] = self.version
        if self.generated_at:
            attrs["ДатаФормирования"] = self.generated_at
        self._x.open("КоммерческаяИнформация", attrs)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self._x.close("КоммерческаяИнформация")
            self._x.end()

    # --- shared parts ---------------------------------------------------------------------------
    def _flag(self, only_changes: bool | None) -> dict[str, str] | None:
        return None if only_changes is None else {"СодержитТолькоИзменения": _bool(only_changes)}

    def _unit(self, unit: Unit | None) -> None:
        if unit is None:
            return
        attrs = {k: v for k, v in (("Код", unit.code), ("НаименованиеПолное", unit.full_name),
                                   ("МеждународноеСокращение", unit.international)) if v}
        self._x.leaf("БазоваяЕдиница", unit.name, attrs)

    def _deleted(self, deleted: bool) -> None:
        if deleted:
            self._x.leaf("Статус" if self._old else "ПометкаУдаления", "Удален" if self._old else "true")

    def _list(self, outer: str, items: Iterable, write) -> None:
        items = list(items)
        if items:
            self._x.open(outer)
            for item in items:
                write(item)
            self._x.close(outer)

    def _ids(self, outer: str, ids: list[str]) -> None:
        self._list(outer, ids, lambda i: self._x.leaf("Ид", i))

    def _pair(self, tag: str, first: tuple[str, str], second: tuple[str, str], third: tuple[str, str] | None = None) -> None:
        self._x.open(tag)
        for name, value in (first, second, third or ("", "")):
            if name:
                self._x.leaf(name, value)
        self._x.close(tag)

    def _requisites(self, requisites: list[Requisite]) -> None:
        self._list("ЗначенияРеквизитов", requisites,
                   lambda r: self._pair("ЗначениеРеквизита", ("Наименование", r.name), ("Значение", r.value)))

    def _taxes(self, taxes: list[TaxRate]) -> None:
        self._list("СтавкиНалогов", taxes,
                   lambda t: self._pair("СтавкаНалога", ("Наименование", t.name), ("Ставка", t.rate)))

    def _characteristic(self, c: Characteristic) -> None:
        self._x.open("ХарактеристикаТовара")
        self._x.opt("Ид", c.id)
        self._x.leaf("Наименование", c.name)
        self._x.leaf("Значение", c.value)
        self._x.close("ХарактеристикаТовара")

    def _property_value(self, p: PropertyValue) -> None:
        self._x.open("ЗначенияСвойства")
        self._x.opt("Ид", p.property_id)
        for value in p.values or [""]:
            self._x.leaf("Значение", value)
        self._x.close("ЗначенияСвойства")

    def _price_type(self, p: PriceType) -> None:
        self._x.open("ТипЦены")
        self._x.leaf("Ид", p.id)
        self._x.leaf("Наименование", p.name)
        self._x.opt("Валюта", p.currency)
        if p.tax_name or p.tax_included is not None:
            self._x.open("Налог")
            self._x.opt("Наименование", p.tax_name)
            if p.tax_included is not None:
                self._x.leaf("УчтеноВСумме", _bool(p.tax_included))
            self._x.close("Налог")
        self._x.close("ТипЦены")

    def _warehouse(self, w: Warehouse) -> None:
        self._x.open("Склад")
        self._x.leaf("Ид", w.id)
        self._deleted(w.deleted)
        self._x.leaf("Наименование", w.name)
        if w.address:
            self._x.open("Адрес")
            self._x.leaf("Представление", w.address)
            self._x.close("Адрес")
        self._x.close("Склад")

    def _group(self, g: Group) -> None:
        self._x.open("Группа")
        self._x.leaf("Ид", g.id)
        self._deleted(g.deleted)
        self._x.leaf("Наименование", g.name)
        self._list("Группы", g.groups, self._group)
        self._x.close("Группа")

    # --- the classifier -------------------------------------------------------------------------
    def classifier(self, c: Classifier) -> None:
        x = self._x
        x.open("Классификатор", self._flag(c.only_changes))
        x.opt("Ид", c.id)
        x.opt("Наименование", c.name)
        self._list("Группы", c.groups, self._group)

        def prop(p) -> None:
            x.open("Свойство")
            x.leaf("Ид", p.id)
            x.leaf("Наименование", p.name)
            x.opt("ТипЗначений", p.value_type)
            if p.multiple:
                x.leaf("Множественное", "true")
            self._list("ВариантыЗначений", p.choices,
                       lambda ch: self._pair("Справочник", ("ИдЗначения", ch.id), ("Значение", ch.value)))
            x.close("Свойство")

        def unit(u) -> None:
            x.open("ЕдиницаИзмерения")
            x.leaf("Ид", u.id)
            for tag, value in (("Код", u.code), ("НаименованиеКраткое", u.short_name),
                               ("НаименованиеПолное", u.full_name), ("МеждународноеСокращение", u.international)):
                x.opt(tag, value)
            x.close("ЕдиницаИзмерения")

        self._list("Свойства", c.properties, prop)
        self._list("ТипыЦен", c.price_types, self._price_type)
        self._list("Склады", c.warehouses, self._warehouse)
        self._list("ЕдиницыИзмерения", c.units, unit)
        x.close("Классификатор")

    # --- the catalog ----------------------------------------------------------------------------
    def begin_catalog(self, c: Catalog) -> None:
        x = self._x
        x.open("Каталог", self._flag(c.only_changes))
        x.opt("Ид", c.id)
        x.opt("ИдКлассификатора", c.classifier_id)
        x.opt("Наименование", c.name)
        x.open("Товары")

    def product(self, p: Product) -> None:
        x = self._x
        x.open("Товар")
        x.leaf("Ид", p.id)
        self._deleted(p.deleted)
        for code in p.barcodes:
            x.leaf("Штрихкод", code)
        x.opt("Артикул", p.sku)
        x.leaf("Наименование", p.name)
        self._unit(p.unit)
        self._ids("Группы", p.group_ids)
        x.opt("Описание", p.description)
        for image in p.images:
            x.leaf("Картинка", image)
        self._list("ЗначенияСвойств", p.properties, self._property_value)
        self._taxes(p.taxes)
        self._list("ХарактеристикиТовара", p.characteristics, self._characteristic)
        self._requisites(p.requisites)
        if p.weight is not None:
            x.leaf("Вес", from_decimal(p.weight))
        x.close("Товар")

    def end_catalog(self) -> None:
        self._x.close("Товары")
        self._x.close("Каталог")

    def catalog(self, c: Catalog) -> None:
        self.begin_catalog(c)
        for p in c.products:
            self.product(p)
        self.end_catalog()

    # --- offers ---------------------------------------------------------------------------------
    def begin_package(self, pkg: OfferPackage) -> None:
        x = self._x
        x.open("ПакетПредложений", self._flag(pkg.only_changes))
        x.opt("Ид", pkg.id)
        x.opt("Наименование", pkg.name)
        x.opt("ИдКаталога", pkg.catalog_id)
        x.opt("ИдКлассификатора", pkg.classifier_id)
        self._list("ТипыЦен", pkg.price_types, self._price_type)
        self._list("Склады", pkg.warehouses, self._warehouse)
        x.open("Предложения")

    def offer(self, o: Offer) -> None:
        x = self._x
        x.open("Предложение")
        x.leaf("Ид", o.id)
        for code in o.barcodes:
            x.leaf("Штрихкод", code)
        x.opt("Артикул", o.sku)
        x.opt("Наименование", o.name)
        self._unit(o.unit)
        self._ids("Группы", o.group_ids)
        self._list("ЗначенияСвойств", o.properties, self._property_value)
        self._list("ХарактеристикиТовара", o.characteristics, self._characteristic)
        self._deleted(o.deleted)

        def price(p) -> None:
            x.open("Цена")
            x.leaf("ИдТипаЦены", p.price_type_id)
            x.leaf("ЦенаЗаЕдиницу", from_kopecks(p.amount))
            for tag, value in (("Валюта", p.currency), ("Единица", p.unit), ("Коэффициент", p.factor)):
                x.opt(tag, value)
            x.close("Цена")

        self._list("Цены", o.prices, price)
        if o.quantity is not None:
            x.leaf("Количество", from_decimal(o.quantity))
        if self._v3:
            self._list("Остатки", o.stock, lambda s: self._rest(s.warehouse_id, s.quantity))
        else:
            for s in o.stock:
                x.leaf("Склад", None, {"ИдСклада": s.warehouse_id, "КоличествоНаСкладе": from_decimal(s.quantity)})
        x.close("Предложение")

    def _rest(self, warehouse_id: str, quantity) -> None:
        self._x.open("Остаток")
        self._pair("Склад", ("Ид", warehouse_id), ("Количество", from_decimal(quantity)))
        self._x.close("Остаток")

    def end_package(self) -> None:
        self._x.close("Предложения")
        self._x.close("ПакетПредложений")

    def package(self, pkg: OfferPackage) -> None:
        self.begin_package(pkg)
        for o in pkg.offers:
            self.offer(o)
        self.end_package()

    # --- orders ---------------------------------------------------------------------------------
    def _discounts(self, discounts: list[Discount]) -> None:
        def one(d: Discount) -> None:
            self._x.open("Скидка")
            self._x.opt("Наименование", d.name)
            self._x.leaf("Сумма", from_kopecks(d.amount))
            self._x.opt("Процент", d.percent)
            if d.included is not None:
                self._x.leaf("УчтеноВСумме", _bool(d.included))
            self._x.close("Скидка")

        self._list("Скидки", discounts, one)

    def _counterparty(self, c: Counterparty) -> None:
        x = self._x
        x.open("Контрагент")
        for tag, value in (("Ид", c.id), ("Наименование", c.name), ("ПолноеНаименование", c.full_name),
                           ("Роль", c.role), ("Фамилия", c.last_name), ("Имя", c.first_name),
                           ("Отчество", c.middle_name), ("ИНН", c.inn), ("КПП", c.kpp)):
            x.opt(tag, value)
        if c.address:
            x.open("АдресРегистрации")
            x.leaf("Представление", c.address)
            x.close("АдресРегистрации")
        self._list("Контакты", c.contacts, lambda k: self._pair("Контакт", ("Тип", k.kind), ("Значение", k.value)))
        x.close("Контрагент")

    def _line(self, line: OrderLine) -> None:
        x = self._x
        x.open("Товар")
        x.leaf("Ид", line.id)
        x.opt("ИдКаталога", line.catalog_id)
        x.opt("Артикул", line.sku)
        x.leaf("Наименование", line.name)
        self._unit(line.unit)
        if line.price is not None:
            x.leaf("ЦенаЗаЕдиницу", from_kopecks(line.price))
        x.leaf("Количество", from_decimal(line.quantity))
        if line.total is not None:
            x.leaf("Сумма", from_kopecks(line.total))
        self._discounts(line.discounts)
        self._list("ХарактеристикиТовара", line.characteristics, self._characteristic)
        self._taxes(line.taxes)
        self._requisites(line.requisites)
        x.close("Товар")

    def order(self, o: Order) -> None:
        x = self._x
        x.open("Документ")
        for tag, value in (("Ид", o.id), ("Номер", o.number), ("Дата", o.date), ("ХозОперация", o.operation),
                           ("Роль", o.role), ("Валюта", o.currency), ("Курс", o.rate)):
            x.opt(tag, value)
        if o.total is not None:
            x.leaf("Сумма", from_kopecks(o.total))
        self._list("Контрагенты", o.counterparties, self._counterparty)
        x.opt("Время", o.time)
        x.opt("Комментарий", o.comment)
        self._discounts(o.discounts)
        self._list("Товары", o.lines, self._line)
        self._requisites(o.requisites)
        x.close("Документ")


# --- whole documents -------------------------------------------------------------------------------

def _finish(buffer: io.BytesIO | None) -> bytes:
    return buffer.getvalue() if buffer is not None else b""


def write_document(doc: CmlDocument, out: BinaryIO | None = None, *, encoding: str | None = None) -> bytes:
    """Everything the document holds, in its version and (unless given) its encoding. Returns the
    bytes, or b"" when written into `out`."""
    buffer = io.BytesIO() if out is None else None
    encoding = encoding or (doc.encoding if doc.encoding.lower() in ENCODINGS else "utf-8")
    with CmlWriter(out or buffer, version=doc.version, encoding=encoding,
                   generated_at=doc.generated_at) as w:
        if doc.classifier is not None:
            w.classifier(doc.classifier)
        if doc.catalog is not None:
            w.catalog(doc.catalog)
        if doc.package is not None:
            w.package(doc.package)
        for order in doc.orders:
            w.order(order)
    return _finish(buffer)


def write_import(catalog: Catalog, classifier: Classifier | None = None, *, version: str = DEFAULT_VERSION,
                 encoding: str = "utf-8", out: BinaryIO | None = None, generated_at: str | None = None) -> bytes:
    """import.xml: the classifier (groups, properties …) and the catalog's goods. A full upload has
    catalog.only_changes=False; only the changes, True (СодержитТолькоИзменения="true")."""
    return write_document(CmlDocument(version=version, generated_at=_now(generated_at), classifier=classifier,
                                      catalog=catalog), out, encoding=encoding)


def write_offers(package: OfferPackage, classifier: Classifier | None = None, *, version: str = DEFAULT_VERSION,
                 encoding: str = "utf-8", out: BinaryIO | None = None, generated_at: str | None = None) -> bytes:
    """offers.xml: price types, warehouses and the offers with prices and stock."""
    return write_document(CmlDocument(version=version, generated_at=_now(generated_at), classifier=classifier,
                                      package=package), out, encoding=encoding)


def write_orders(orders: Iterable[Order], *, version: str = DEFAULT_VERSION, encoding: str = "utf-8",
                 out: BinaryIO | None = None, generated_at: str | None = None) -> bytes:
    """Order documents (to 1C: new orders; to a site: status changes). `orders` may be a generator."""
    buffer = io.BytesIO() if out is None else None
    with CmlWriter(out or buffer, version=version, encoding=encoding, generated_at=_now(generated_at)) as w:
        for order in orders:
            w.order(order)
    return _finish(buffer)


def _now(value: str | None) -> str:
    return value if value is not None else datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
