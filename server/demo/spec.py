"""The shape of the demo catalog data: one `Item` per product, its variants the product of its axes.

Pure data, no database: coffee.py and goods.py fill it, catalog.py turns it into ProductInput.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Characteristic values → the SKU suffix and the price factor against the item's first variant.
GRINDS = ["зерно", "для турки", "для эспрессо", "для фильтра", "для френч-пресса"]
SIZES = ["S", "M", "L", "XL"]
SUFFIX = {
    "зерно": "Z", "для турки": "T", "для эспрессо": "E", "для фильтра": "F", "для френч-пресса": "P",
    "12 г": "12", "50 г": "50", "100 г": "100", "250 г": "250", "357 г": "357", "500 г": "500", "1 кг": "1000",
    "10 шт": "10", "50 шт": "50", "100 шт": "100",
    "250 мл": "250", "350 мл": "350", "500 мл": "500", "600 мл": "600", "1 л": "1000",
    "3 чашки": "3", "6 чашек": "6", "8 чашек": "8",
    "белый": "WHT", "чёрный": "BLK", "серый": "GRY", "терракотовый": "TER", "бежевый": "BEG",
    "S": "S", "M": "M", "L": "L", "XL": "XL",
    "Nespresso Original": "NO", "Dolce Gusto": "DG",
}
# A variant costs the item's `cost` times factor(value) / factor(first value), for every axis; values
# not listed weigh 1. Item.factors overrides (a litre of syrup and a one-litre French press differ).
FACTOR = {
    "50 г": 1.0, "100 г": 1.85, "250 г": 4.2, "500 г": 4.2 * 1.9, "1 кг": 4.2 * 3.5,
    "10 шт": 1.0, "50 шт": 4.6, "3 чашки": 1.0, "6 чашек": 1.2, "8 чашек": 1.4, "XL": 1.08,
}
# Gross weight of a pack, for the product card (the card's weight is its first variant's).
GROSS_G = {"12 г": 14, "50 г": 65, "100 г": 120, "250 г": 280, "357 г": 380, "500 г": 540, "1 кг": 1060}


@dataclass
class Item:
    """One product of the demo shop."""

    category: tuple[str, ...]  # path in the category tree, e.g. ("Кофе", "Зерновой")
    code: str  # SKU stem, e.g. "CF-ETH-YRG"
    name: str
    axes: list[tuple[str, list[str]]]  # characteristic → values; variants = every combination
    cost: int  # purchase price of the first variant, roubles
    brand: str  # which maker's barcode range (catalog.BRANDS)
    description: str = ""
    properties: dict[str, str | int] = field(default_factory=dict)
    marking: bool = False  # Честный ЗНАК
    factors: dict[str, float] = field(default_factory=dict)  # overrides FACTOR for this item
    package: tuple[int, str | None] | None = None  # a package barcode: (units, for which value or all)
    in_store: bool = False  # no maker's barcode: the shop prints its own (prefix 2x)
    dims_mm: tuple[int, int, int] = (0, 0, 0)  # length, width, height of the first variant
    weight_g: int = 0  # 0 → from GROSS_G of the first value that has one
    popular: bool = False  # goes to the shop on Pokrovka
    skip: set[tuple[str, ...]] = field(default_factory=set)  # combinations the shop does not sell


# The category tree, in display order.
CATEGORY_TREE: list[tuple[str, list[str]]] = [
    ("Кофе", ["Зерновой", "Молотый", "Дрип-пакеты", "Капсулы"]),
    ("Чай", ["Чёрный", "Зелёный", "Улун", "Пуэр", "Травяной"]),
    ("Аксессуары", ["Турки", "Френч-прессы", "Кемексы", "Кружки"]),
    ("Мерч", ["Футболки", "Худи"]),
    ("Сиропы", []),
    ("Сладости", []),
]

ROASTS = ["светлая", "средняя", "тёмная"]
PROCESSING = ["мытая", "натуральная", "хани"]


@dataclass(frozen=True)
class PropertySpec:
    code: str
    name: str
    kind: str  # text | number | bool | choice
    unit: str = ""
    choices: tuple[str, ...] = ()


PROPERTIES = [
    PropertySpec("country", "Страна происхождения", "text"),
    PropertySpec("roast", "Обжарка", "choice", choices=tuple(ROASTS)),
    PropertySpec("arabica", "Арабика", "number", unit="%"),
    PropertySpec("processing", "Обработка", "choice", choices=tuple(PROCESSING)),
    PropertySpec("material", "Материал", "text"),
]
