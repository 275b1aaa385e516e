"""Everything but coffee: tea, brewing gear, the shop's merchandise, syrups and sweets."""

from __future__ import annotations

from server.demo.spec import SIZES, Item

TEA_WEIGHTS = ["50 г", "100 г", "250 г"]

# category, code, name, country, purchase price of the first weight (roubles), weights (None → TEA_WEIGHTS)
TEAS = [
    ("Чёрный", "ASM", "Ассам Хармутти", "Индия", 95, None),
    ("Чёрный", "DRJ", "Дарджилинг первый сбор", "Индия", 190, None),
    ("Чёрный", "CEY", "Цейлон Нувара Элия", "Шри-Ланка", 110, None),
    ("Чёрный", "KMN", "Кимун", "Китай", 150, None),
    ("Чёрный", "DNH", "Дянь Хун", "Китай", 140, None),
    ("Чёрный", "EGR", "Эрл Грей с бергамотом", "Шри-Ланка", 100, None),
    ("Зелёный", "SNC", "Сенча", "Япония", 130, None),
    ("Зелёный", "LJN", "Лунцзин «Колодец дракона»", "Китай", 210, None),
    ("Зелёный", "BLC", "Би Ло Чунь", "Китай", 180, None),
    ("Зелёный", "GNM", "Генмайча", "Япония", 110, None),
    ("Зелёный", "JSM", "Жасминовый чай", "Китай", 120, None),
    ("Улун", "TGY", "Те Гуань Инь", "Китай", 170, None),
    ("Улун", "DHP", "Да Хун Пао", "Китай", 230, None),
    ("Улун", "MLK", "Молочный улун", "Тайвань", 160, None),
    ("Улун", "ALS", "Али Шань", "Тайвань", 260, None),
    ("Пуэр", "SHU", "Шу пуэр «Мэнхай» 2018", "Китай", 140, ["100 г", "250 г"]),
    ("Пуэр", "SHN", "Шэн пуэр «Иу» 2020", "Китай", 170, ["100 г", "250 г"]),
    ("Пуэр", "BSH", "Шу пуэр «Гунтин», блин", "Китай", 1100, ["357 г"]),
    ("Пуэр", "BSN", "Шэн пуэр «Биндао», блин", "Китай", 1600, ["357 г"]),
    ("Травяной", "CHM", "Ромашка аптечная", "Россия", 55, ["50 г", "100 г"]),
    ("Травяной", "IVN", "Иван-чай ферментированный", "Россия", 70, ["50 г", "100 г"]),
    ("Травяной", "MNT", "Мята перечная", "Россия", 50, ["50 г", "100 г"]),
    ("Травяной", "RBS", "Ройбуш", "ЮАР", 80, ["50 г", "100 г"]),
    ("Травяной", "HBS", "Каркаде", "Египет", 60, ["50 г", "100 г"]),
]
POPULAR_TEA = {"ASM", "EGR", "SNC", "JSM", "TGY", "MLK", "SHU", "IVN", "HBS"}

VOLUME = "Объём"
COLOUR = "Цвет"
MUG_COLOURS = ["белый", "чёрный", "терракотовый"]


def tea_items() -> list[Item]:
    items = []
    for sub, code, name, country, cost, weights in TEAS:
        dims = (120, 80, 40) if weights != ["357 г"] else (200, 200, 25)
        kind = "Листовой чай" if sub not in ("Травяной", "Пуэр") else ("Сбор" if sub == "Травяной" else "Пуэр")
        items.append(Item(("Чай", sub), f"TE-{code}", name, [("Вес", weights or TEA_WEIGHTS)], cost, "tea",
                          description=f"{kind}, {country}. Заваривать 3–5 минут.",
                          properties={"country": country}, dims_mm=dims, popular=code in POPULAR_TEA))
    return items


def accessory_items() -> list[Item]:
    turka = ("Аксессуары", "Турки")
    press = ("Аксессуары", "Френч-прессы")
    chemex = ("Аксессуары", "Кемексы")
    mugs = ("Аксессуары", "Кружки")
    turka_volumes = [(VOLUME, ["350 мл", "500 мл"])]
    press_volumes = [(VOLUME, ["350 мл", "600 мл", "1 л"])]
    press_factors = {"600 мл": 1.25, "1 л": 1.6}
    colours = [(COLOUR, MUG_COLOURS)]
    return [
        Item(turka, "AC-TRK-CU", "Турка медная «Армянская»", turka_volumes, 1200, "gear",
             description="Медь, лужение пищевым оловом, деревянная ручка.", properties={"material": "медь"},
             factors={"500 мл": 1.3}, dims_mm=(230, 90, 110), weight_g=420, popular=True),
        Item(turka, "AC-TRK-BR", "Турка латунная с чеканкой", turka_volumes, 950, "gear",
             properties={"material": "латунь"}, factors={"500 мл": 1.3}, dims_mm=(220, 85, 100), weight_g=390),
        Item(turka, "AC-TRK-CR", "Турка керамическая", turka_volumes, 600, "gear",
             description="Для газовой и электрической плиты.", properties={"material": "керамика"},
             factors={"500 мл": 1.3}, dims_mm=(200, 90, 110), weight_g=450),
        Item(turka, "AC-TRK-SS", "Турка из нержавеющей стали", turka_volumes, 450, "gear",
             description="Подходит для индукционной плиты.", properties={"material": "нержавеющая сталь"},
             factors={"500 мл": 1.3}, dims_mm=(210, 85, 100), weight_g=310),
        Item(press, "AC-FP-GL", "Френч-пресс «Классик»", press_volumes, 650, "gear",
             properties={"material": "боросиликатное стекло, сталь"}, factors=press_factors,
             dims_mm=(160, 100, 190), weight_g=520, popular=True),
        Item(press, "AC-FP-SS", "Френч-пресс стальной двустенный", press_volumes, 1500, "gear",
             description="Держит температуру до часа.", properties={"material": "нержавеющая сталь"},
             factors=press_factors, dims_mm=(160, 100, 200), weight_g=780),
        Item(press, "AC-FP-BM", "Френч-пресс «Бамбук»", press_volumes, 800, "gear",
             properties={"material": "стекло, бамбук"}, factors=press_factors, dims_mm=(160, 100, 190), weight_g=560),
        Item(chemex, "AC-CHX", "Кемекс Classic", [(VOLUME, ["3 чашки", "6 чашек", "8 чашек"])], 3200, "gear",
             description="Колба для пуровера с деревянным воротником и кожаным шнурком.",
             properties={"material": "боросиликатное стекло"}, dims_mm=(130, 130, 210), weight_g=480, popular=True),
        Item(chemex, "AC-CHX-HN", "Кемекс с ручкой", [(VOLUME, ["3 чашки", "6 чашек"])], 3600, "gear",
             properties={"material": "боросиликатное стекло"}, dims_mm=(150, 130, 210), weight_g=520),
        Item(chemex, "AC-CHX-FLT", "Фильтры бумажные для кемекса", [("Упаковка", ["100 шт"])], 650, "gear",
             description="Квадратные, белые, на 6–8 чашек.", properties={"material": "бумага"},
             dims_mm=(200, 200, 40), weight_g=330, popular=True),
        Item(mugs, "AC-MUG-LOGO", "Кружка «Кофейная лавка» 350 мл", colours, 220, "gear",
             properties={"material": "фарфор"}, dims_mm=(120, 90, 100), weight_g=340, popular=True),
        Item(mugs, "AC-MUG-ESP", "Чашка для эспрессо 90 мл с блюдцем", colours, 180, "gear",
             properties={"material": "фарфор"}, dims_mm=(120, 120, 70), weight_g=260, popular=True),
        Item(mugs, "AC-MUG-CAP", "Чашка для капучино 250 мл с блюдцем", colours, 240, "gear",
             properties={"material": "фарфор"}, dims_mm=(150, 150, 85), weight_g=380),
        Item(mugs, "AC-MUG-TRV", "Термокружка 400 мл", colours, 650, "gear",
             description="Двойные стенки, герметичная крышка.", properties={"material": "нержавеющая сталь"},
             dims_mm=(90, 90, 200), weight_g=300),
        Item(mugs, "AC-MUG-TEA", "Кружка для чая с ситечком 400 мл", colours, 380, "gear",
             properties={"material": "керамика"}, dims_mm=(130, 100, 120), weight_g=450),
    ]


def merch_items() -> list[Item]:
    tshirt = ("Мерч", "Футболки")
    hoodie = ("Мерч", "Худи")
    tee_axes = [(COLOUR, ["белый", "чёрный"]), ("Размер", SIZES)]
    hoodie_axes = [(COLOUR, ["серый", "чёрный"]), ("Размер", SIZES)]
    cotton = {"material": "хлопок 100 %", "country": "Россия"}
    hoodie_fabric = {"material": "футер: хлопок 80 %, полиэстер 20 %", "country": "Россия"}
    return [
        Item(tshirt, "MR-TS-LOGO", "Футболка «Кофейная лавка»", tee_axes, 550, "merch",
             description="Логотип лавки на груди, плотный хлопок 180 г/м².", properties=cotton, marking=True,
             dims_mm=(300, 250, 20), weight_g=220, popular=True, skip={("белый", "XL")}),
        Item(tshirt, "MR-TS-BEAN", "Футболка «Зерно»", tee_axes, 600, "merch", properties=cotton, marking=True,
             dims_mm=(300, 250, 20), weight_g=220),
        Item(tshirt, "MR-TS-PKR", "Футболка «Покровка, 17»", tee_axes, 600, "merch", properties=cotton,
             marking=True, dims_mm=(300, 250, 20), weight_g=220, popular=True),
        Item(hoodie, "MR-HD-LOGO", "Худи «Кофейная лавка»", hoodie_axes, 1900, "merch",
             description="Капюшон на шнурке, карман-кенгуру.", properties=hoodie_fabric, marking=True,
             dims_mm=(350, 300, 60), weight_g=620, popular=True),
        Item(hoodie, "MR-HD-CUP", "Худи «Ещё чашечку»", hoodie_axes, 2100, "merch", properties=hoodie_fabric,
             marking=True, dims_mm=(350, 300, 60), weight_g=640),
    ]


SYRUP_FLAVOURS = [
    ("VAN", "ваниль"), ("CRM", "карамель"), ("SCR", "солёная карамель"), ("HZL", "лесной орех"),
    ("CCN", "кокос"), ("ALM", "миндаль"), ("IRC", "ирландский крем"), ("CHC", "шоколад"),
    ("LAV", "лаванда"), ("GNG", "имбирный пряник"),
]


def syrup_items() -> list[Item]:
    return [
        Item(("Сиропы",), f"SY-{code}", f"Сироп «{flavour.capitalize()}»", [(VOLUME, ["250 мл", "1 л"])], 190,
             "syrup", description=f"Сироп для кофе и десертов со вкусом: {flavour}. Стеклянная бутылка.",
             properties={"country": "Россия"}, factors={"1 л": 2.9}, package=(6, "1 л"),
             dims_mm=(60, 60, 200), weight_g=480, popular=code in {"VAN", "CRM", "SCR", "HZL", "CCN"})
        for code, flavour in SYRUP_FLAVOURS
    ]


# code, name, purchase price (roubles), weight g, made in the shop's own kitchen (in-store barcode)
SWEETS = [
    ("SW-CHD", "Шоколад горький 72 %, 85 г", 140, 95, False),
    ("SW-CHM", "Шоколад молочный с фундуком, 85 г", 130, 95, False),
    ("SW-BSC", "Бискотти с миндалём, 200 г", 190, 215, False),
    ("SW-CNT", "Кантуччи с клюквой, 150 г", 170, 165, False),
    ("SW-MRM", "Мармелад ягодный ассорти, 200 г", 150, 220, False),
    ("SW-PST", "Пастила яблочная белёвская, 100 г", 160, 115, False),
    ("SW-HNY", "Мёд гречишный, 250 г", 280, 390, False),
    ("SW-URB", "Урбеч из миндаля, 200 г", 350, 330, False),
    ("SW-PRN", "Пряник имбирный ручной работы", 60, 80, True),
    ("SW-CKE", "Печенье овсяное с кардамоном, 100 г", 70, 110, True),
    ("SW-MCR", "Макарон ассорти, 6 шт", 190, 120, True),
    ("SW-ZEF", "Зефир ванильный, 4 шт", 120, 150, True),
]


def sweet_items() -> list[Item]:
    items = [
        Item(("Сладости",), code, name, [], cost, "sweets", weight_g=weight, in_store=own, dims_mm=(160, 80, 20),
             description="Печёт кондитерская по соседству; этикетка со штрихкодом лавки." if own else "", popular=code != "SW-URB")
        for code, name, cost, weight, own in SWEETS
    ]
    items.append(Item(("Сладости",), "SW-BNS", "Кофейные зёрна в шоколаде", [("Вес", ["100 г", "250 г"])], 160,
                      "sweets", description="Обжаренные зёрна арабики в тёмном шоколаде.",
                      dims_mm=(150, 90, 40), popular=True))
    return items


def other_items() -> list[Item]:
    return tea_items() + accessory_items() + merch_items() + syrup_items() + sweet_items()
