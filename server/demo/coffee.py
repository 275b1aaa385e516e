"""Coffee of «Кофейная лавка»: beans, ground, drip bags, capsules. All of it is marked (Честный ЗНАК)."""

from __future__ import annotations

from server.demo.spec import GRINDS, Item

BEANS = ("Кофе", "Зерновой")
GROUND = ("Кофе", "Молотый")
DRIP = ("Кофе", "Дрип-пакеты")
CAPSULES = ("Кофе", "Капсулы")
PACK_250 = (190, 120, 60)

# code, name, country, roast, processing, tasting notes, purchase price of 250 g (roubles)
SINGLE_ORIGINS = [
    ("ETH-YRG", "Эфиопия Иргачеффе Коке", "Эфиопия", "светлая", "мытая", "бергамот, жасмин, лимон", 520),
    ("ETH-GUJ", "Эфиопия Гуджи Шакисо", "Эфиопия", "светлая", "натуральная", "клубника, черника, какао", 540),
    ("KEN-NYR", "Кения АА Ньери", "Кения", "светлая", "мытая", "чёрная смородина, грейпфрут, томат", 610),
    ("COL-HUI", "Колумбия Супремо Уила", "Колумбия", "средняя", "мытая", "карамель, красное яблоко, орех", 430),
    ("BRA-SNT", "Бразилия Сантос", "Бразилия", "средняя", "натуральная", "молочный шоколад, фундук", 360),
    ("GUA-ANT", "Гватемала Антигуа", "Гватемала", "средняя", "мытая", "какао, специи, апельсин", 470),
    ("CRI-TRZ", "Коста-Рика Тарразу", "Коста-Рика", "средняя", "хани", "мёд, абрикос, тростниковый сахар", 500),
    ("RWA-KVU", "Руанда Кивубелт", "Руанда", "светлая", "мытая", "красная смородина, чай, ваниль", 560),
    ("IND-MLB", "Индия Монсунд Малабар", "Индия", "тёмная", "натуральная", "специи, кедр, тёмный шоколад", 390),
    ("NIC-MRG", "Никарагуа Марагоджип", "Никарагуа", "средняя", "мытая", "слива, карамель, миндаль", 480),
]

# code, name, origin countries, roast, arabica %, notes, purchase price of 250 g
BLENDS = [
    ("BL-PKV", "Эспрессо-смесь «Покровка»", "Бразилия, Эфиопия, Индия", "средняя", 80,
     "тёмный шоколад, орех, карамель", 330),
    ("BL-CLS", "Эспрессо-смесь «Классика»", "Бразилия, Колумбия", "средняя", 100, "молочный шоколад, печенье", 300),
    ("BL-CRM", "Эспрессо-смесь «Крема»", "Бразилия, Вьетнам", "тёмная", 70, "какао, жареный орех, плотная пенка", 260),
    ("BL-NGT", "Эспрессо-смесь «Тёмная ночь»", "Индия, Вьетнам", "тёмная", 60, "горький шоколад, табак", 240),
    ("BL-BAR", "Эспрессо-смесь «Бариста»", "Колумбия, Эфиопия, Индия", "средняя", 90,
     "карамель, ягоды, шоколад", 350),
    ("BL-MRN", "Смесь «Утро»", "Эфиопия, Колумбия", "светлая", 100, "цитрус, мёд, какао", 320),
]

# code, name, grind, country, roast, arabica %, purchase price of 250 g
GROUND_COFFEE = [
    ("GR-VST", "Кофе молотый «Восточный»", "для турки", "Бразилия", "тёмная", 100, 280),
    ("GR-IST", "Кофе молотый «Стамбул»", "для турки", "Бразилия, Индия", "тёмная", 90, 270),
    ("GR-MKK", "Кофе молотый «Мокко Эфиопия»", "для турки", "Эфиопия", "средняя", 100, 360),
    ("GR-RST", "Кофе молотый «Ристретто»", "для эспрессо", "Бразилия, Вьетнам", "тёмная", 80, 290),
    ("GR-FLT", "Кофе молотый «Колумбия» для фильтра", "для фильтра", "Колумбия", "средняя", 100, 330),
    ("GR-DCF", "Кофе молотый без кофеина «Декаф Колумбия»", "для фильтра", "Колумбия", "средняя", 100, 390),
    ("GR-FRN", "Кофе молотый «Бразилия» для френч-пресса", "для френч-пресса", "Бразилия", "средняя", 100, 300),
    ("GR-MRN", "Кофе молотый «Утренний»", "для френч-пресса", "Бразилия, Колумбия", "средняя", 100, 260),
]

# code, name, country, roast, purchase price of one bag
DRIP_BAGS = [
    ("DR-ETH", "Дрип-пакет Эфиопия Иргачеффе", "Эфиопия", "светлая", 46),
    ("DR-KEN", "Дрип-пакет Кения АА", "Кения", "светлая", 52),
    ("DR-COL", "Дрип-пакет Колумбия Уила", "Колумбия", "средняя", 40),
    ("DR-BRA", "Дрип-пакет Бразилия Сантос", "Бразилия", "средняя", 35),
    ("DR-GUA", "Дрип-пакет Гватемала", "Гватемала", "средняя", 41),
    ("DR-CRI", "Дрип-пакет Коста-Рика хани", "Коста-Рика", "средняя", 44),
    ("DR-DCF", "Дрип-пакет Декаф", "Колумбия", "средняя", 42),
    ("DR-PKV", "Дрип-пакет «Покровка»", "Бразилия, Эфиопия", "средняя", 33),
]

# code, name, arabica %, purchase price of 10 capsules
CAPSULE_PACKS = [
    ("CP-RST", "Капсулы «Ристретто»", 80, 190),
    ("CP-LNG", "Капсулы «Лунго»", 100, 200),
    ("CP-ETH", "Капсулы «Эфиопия»", 100, 240),
    ("CP-COL", "Капсулы «Колумбия»", 100, 220),
    ("CP-CRM", "Капсулы «Карамель»", 100, 210),
    ("CP-DCF", "Капсулы «Декаф»", 100, 230),
]

POPULAR = {"ETH-YRG", "KEN-NYR", "COL-HUI", "BRA-SNT", "BL-PKV", "BL-CLS", "GR-VST", "DR-ETH", "DR-PKV",
           "CP-RST", "CP-LNG"}


def _single_origin(code, name, country, roast, processing, notes, cost) -> Item:
    return Item(BEANS, f"CF-{code}", name, [("Помол", GRINDS), ("Вес", ["250 г", "1 кг"])], cost, "roaster",
                description=f"Моносорт, 100 % арабика. Ноты: {notes}.",
                properties={"country": country, "roast": roast, "arabica": 100, "processing": processing},
                marking=True, dims_mm=PACK_250, popular=code in POPULAR)


def _blend(code, name, countries, roast, arabica, notes, cost) -> Item:
    robusta = f", {100 - arabica} % робуста" if arabica < 100 else ""
    return Item(BEANS, f"CF-{code}", name, [("Помол", ["зерно", "для эспрессо"]), ("Вес", ["250 г", "500 г", "1 кг"])],
                cost, "roaster", description=f"Смесь: {arabica} % арабика{robusta}. Ноты: {notes}.",
                properties={"country": countries, "roast": roast, "arabica": arabica},
                marking=True, dims_mm=PACK_250, popular=code in POPULAR)


def _ground(code, name, grind, country, roast, arabica, cost) -> Item:
    return Item(GROUND, f"CF-{code}", name, [("Помол", [grind]), ("Вес", ["250 г", "500 г"])], cost, "roaster",
                description=f"Молотый кофе в пачке с клапаном, помол {grind}.",
                properties={"country": country, "roast": roast, "arabica": arabica},
                marking=True, dims_mm=PACK_250, popular=code in POPULAR)


def _drip(code, name, country, roast, cost) -> Item:
    return Item(DRIP, f"CF-{code}", name, [("Вес", ["12 г"])], cost, "drip",
                description="Молотый кофе в фильтр-пакете на одну чашку: повесьте на чашку и пролейте "
                            "водой 92–94 °C. В коробке 10 пакетов.",
                properties={"country": country, "roast": roast, "arabica": 100},
                marking=True, package=(10, None), dims_mm=(120, 90, 8), popular=code in POPULAR)


def _capsules(code, name, arabica, cost) -> Item:
    return Item(CAPSULES, f"CF-{code}", name, [("Упаковка", ["10 шт", "50 шт"])], cost, "drip",
                description="Алюминиевые капсулы по 5 г, совместимы с кофемашинами Nespresso Original.",
                properties={"arabica": arabica, "roast": "тёмная" if arabica < 100 else "средняя"},
                marking=True, dims_mm=(115, 40, 40), weight_g=75, popular=code in POPULAR)


def coffee_items() -> list[Item]:
    return ([_single_origin(*row) for row in SINGLE_ORIGINS] + [_blend(*row) for row in BLENDS]
            + [_ground(*row) for row in GROUND_COFFEE] + [_drip(*row) for row in DRIP_BAGS]
            + [_capsules(*row) for row in CAPSULE_PACKS])
