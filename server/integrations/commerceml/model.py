"""CommerceML documents as plain dataclasses (versions 2.03–2.10 and 3.1; formats.md §1).

One model for every file: import.xml (Классификатор + Каталог), offers.xml and its 3.1 siblings
prices*.xml / rests*.xml (ПакетПредложений), and order documents (Документ). Texts are as in the file,
trimmed (names with their inner whitespace collapsed); money is integer kopecks, exact; quantities are
Decimal (a file may say "1.0000" or "2.5"); dates and times stay the strings the file holds.
Lists given to the writer may be any iterable (a generator streams a big catalog).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ORDER_OPERATION = "Заказ товара"


@dataclass
class Requisite:
    """ЗначениеРеквизита: a named value (ВидНоменклатуры, Статус заказа, Метод оплаты …)."""

    name: str
    value: str = ""


@dataclass
class PropertyValue:
    """ЗначенияСвойства: the property's Ид and its value(s); a dictionary property gives value Ид."""

    property_id: str
    values: list[str] = field(default_factory=list)


@dataclass
class Characteristic:
    """ХарактеристикаТовара: what makes a variant (Размер = 40, Цвет = Красный)."""

    name: str
    value: str
    id: str = ""


@dataclass
class TaxRate:
    name: str  # "НДС"
    rate: str  # "18", "20", "Без налога"


@dataclass
class Unit:
    """БазоваяЕдиница. 2.x: <БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</…>;
    3.1: the element's text is the Ид of a unit of the classifier (usually its OKEI code)."""

    code: str = ""
    name: str = ""
    full_name: str = ""
    international: str = ""


@dataclass
class Group:
    id: str
    name: str
    groups: list[Group] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Choice:
    """A value of a dictionary property (Справочник: ИдЗначения → Значение)."""

    id: str
    value: str


@dataclass
class PropertyDef:
    id: str
    name: str
    value_type: str = ""  # "Справочник", "Строка", "Число", "Булево", "" (text)
    multiple: bool = False
    choices: list[Choice] = field(default_factory=list)


@dataclass
class PriceType:
    id: str
    name: str
    currency: str = ""  # "руб", "RUB", "USD" …
    tax_name: str = ""
    tax_included: bool | None = None


@dataclass
class Warehouse:
    id: str
    name: str
    address: str = ""
    deleted: bool = False


@dataclass
class UnitDef:
    """ЕдиницаИзмерения of a 3.1 classifier."""

    id: str
    code: str = ""
    short_name: str = ""
    full_name: str = ""
    international: str = ""


@dataclass
class Classifier:
    id: str = ""
    name: str = ""
    only_changes: bool | None = None  # the СодержитТолькоИзменения attribute; None when absent
    groups: list[Group] = field(default_factory=list)
    properties: list[PropertyDef] = field(default_factory=list)
    price_types: list[PriceType] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    units: list[UnitDef] = field(default_factory=list)


@dataclass
class Product:
    """Товар of a Каталог. Ид may be "productGuid#characteristicGuid" (the 2.04 sample describes
    variants as goods)."""

    id: str
    name: str = ""
    sku: str = ""  # Артикул
    barcodes: list[str] = field(default_factory=list)
    unit: Unit | None = None
    group_ids: list[str] = field(default_factory=list)
    description: str = ""
    images: list[str] = field(default_factory=list)  # Картинка: a path of an uploaded file, or a URL
    properties: list[PropertyValue] = field(default_factory=list)
    taxes: list[TaxRate] = field(default_factory=list)
    characteristics: list[Characteristic] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)
    weight: Decimal | None = None  # Вес, kg
    deleted: bool = False  # ПометкаУдаления=true or Статус=Удален


@dataclass
class Catalog:
    id: str = ""
    classifier_id: str = ""
    name: str = ""
    only_changes: bool | None = None
    products: list[Product] = field(default_factory=list)


@dataclass
class Price:
    price_type_id: str
    amount: int  # kopecks for one unit (ЦенаЗаЕдиницу)
    currency: str = ""
    unit: str = ""
    factor: str = ""  # Коэффициент


@dataclass
class StockLevel:
    """Stock of an offer in one warehouse: <Склад ИдСклада=… КоличествоНаСкладе=…/> (2.07+) or
    Остатки/Остаток/Склад/(Ид, Количество) (3.1 rests files)."""

    warehouse_id: str
    quantity: Decimal


@dataclass
class Offer:
    """Предложение: Ид "productGuid#characteristicGuid" is a variant of productGuid; a plain Ид is the
    product itself."""

    id: str
    name: str = ""
    sku: str = ""
    barcodes: list[str] = field(default_factory=list)
    unit: Unit | None = None
    characteristics: list[Characteristic] = field(default_factory=list)
    prices: list[Price] = field(default_factory=list)
    quantity: Decimal | None = None  # Количество: the total, when given
    stock: list[StockLevel] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)  # some Bitrix exports describe goods as offers
    properties: list[PropertyValue] = field(default_factory=list)
    deleted: bool = False

    @property
    def product_id(self) -> str:
        return self.id.split("#", 1)[0]


@dataclass
class OfferPackage:
    """ПакетПредложений (offers.xml; in 3.1 also prices*.xml and rests*.xml)."""

    id: str = ""
    name: str = ""
    catalog_id: str = ""
    classifier_id: str = ""
    only_changes: bool | None = None
    price_types: list[PriceType] = field(default_factory=list)
    warehouses: list[Warehouse] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)


@dataclass
class Contact:
    kind: str  # Тип: "Почта", "Телефон рабочий", "ТелефонМобильный", "Электронная почта" …
    value: str


@dataclass
class Counterparty:
    id: str = ""
    name: str = ""
    full_name: str = ""
    role: str = ""  # "Покупатель"
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    inn: str = ""
    kpp: str = ""
    address: str = ""  # АдресРегистрации (or Адрес) / Представление
    contacts: list[Contact] = field(default_factory=list)

    def contact(self, *kinds: str) -> str:
        """The first contact whose type contains one of the words (case-insensitive), e.g.
        contact("почт", "mail") for the e-mail, contact("телефон") for the phone."""
        for c in self.contacts:
            if any(k.casefold() in c.kind.casefold() for k in kinds) and c.value:
                return c.value
        return ""


@dataclass
class Discount:
    name: str = ""
    amount: int = 0  # kopecks
    percent: str = ""
    included: bool | None = None  # УчтеноВСумме


@dataclass
class OrderLine:
    """Товар of a Документ. Bitrix sends delivery as a line with Ид ORDER_DELIVERY (ТипНоменклатуры
    Услуга)."""

    id: str = ""
    name: str = ""
    catalog_id: str = ""
    sku: str = ""
    unit: Unit | None = None
    price: int | None = None  # kopecks per unit
    quantity: Decimal = Decimal(0)
    total: int | None = None  # kopecks
    discounts: list[Discount] = field(default_factory=list)
    characteristics: list[Characteristic] = field(default_factory=list)
    taxes: list[TaxRate] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)

    def requisite(self, name: str) -> str | None:
        return _find(self.requisites, name)


@dataclass
class Order:
    """Документ with ХозОперация "Заказ товара" (an order from a site, or its changes from 1C)."""

    id: str = ""
    number: str = ""
    date: str = ""  # as in the file: "2021-02-11"
    time: str = ""  # "18:45:21"
    operation: str = ORDER_OPERATION
    role: str = ""  # "Продавец"
    currency: str = ""
    rate: str = ""
    total: int | None = None  # kopecks
    comment: str = ""
    counterparties: list[Counterparty] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)
    requisites: list[Requisite] = field(default_factory=list)

    def requisite(self, name: str) -> str | None:
        """A document-level ЗначениеРеквизита by name (case-insensitive), None when absent."""
        return _find(self.requisites, name)

    @property
    def status(self) -> str:
        return self.requisite("Статус заказа") or ""

    @property
    def payment_method(self) -> str:
        return self.requisite("Метод оплаты") or ""

    @property
    def paid(self) -> bool:
        return is_true(self.requisite("Заказ оплачен"))

    @property
    def cancelled(self) -> bool:
        return is_true(self.requisite("Отменен"))

    @property
    def delivery_address(self) -> str:
        return self.requisite("Адрес доставки") or ""

    @property
    def customer(self) -> Counterparty | None:
        buyers = [c for c in self.counterparties if c.role.casefold() == "покупатель"]
        return (buyers or self.counterparties or [None])[0]


@dataclass
class CmlDocument:
    """One КоммерческаяИнформация file."""

    version: str = "2.07"  # ВерсияСхемы
    generated_at: str = ""  # ДатаФормирования, as in the file
    encoding: str = "utf-8"  # what the file declared ("utf-8" or "windows-1251"); the writer's default
    classifier: Classifier | None = None
    catalog: Catalog | None = None
    package: OfferPackage | None = None
    orders: list[Order] = field(default_factory=list)


def _find(requisites: list[Requisite], name: str) -> str | None:
    wanted = name.casefold()
    for r in requisites:
        if r.name.casefold() == wanted:
            return r.value
    return None


def is_true(value: str | None) -> bool:
    return (value or "").strip().casefold() in ("true", "1", "да", "yes")
