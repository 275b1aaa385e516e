"""The demo shop's customers: about 120 people and companies, planned in memory, the same on every run.

Most are private buyers in Moscow with an address (and its coordinates), some live in other cities
(post, transport company); a few companies buy coffee for their office or café and pay by invoice.
Some of them show the customer de-duplication of order intake at work:
- the employees of one company order under its INN: one card with several contact persons;
- a couple orders with one phone number: one card, the second name a contact person;
- phone numbers are written differently from order to order (+7 916 …, 8 (916) …, 8916…), and a
  few people write their e-mail with capitals now and then: still one card each.
E-mail addresses are at example.com/.org/.net (reserved, nobody receives them); the phone numbers are
invented and may belong to someone: no SMS gateway should be configured on a demo database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from server.domain.orders.dto import CustomerInput

SEED = 3_2024
MALE = ["Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил",
        "Никита", "Матвей", "Роман", "Егор", "Иван", "Павел", "Владимир", "Денис", "Евгений", "Тимур", "Олег",
        "Константин", "Николай", "Григорий", "Игорь", "Антон", "Вадим", "Руслан"]
FEMALE = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Екатерина", "Татьяна", "Ирина", "Светлана", "Юлия",
          "Анастасия", "Дарья", "Ксения", "Полина", "Виктория", "Алина", "Марина", "Вера", "Софья", "Людмила",
          "Валерия", "Евгения", "Надежда", "Алёна"]
SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
            "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
            "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
            "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кудрявцев", "Белов",
            "Тарасов", "Беляев", "Комаров", "Киселёв", "Ковалёв", "Ильин", "Гусев", "Титов", "Кузьмин",
            "Баранов", "Куликов", "Медведев", "Ершов", "Денисов", "Жуков", "Сорокин", "Виноградов", "Поляков",
            "Филиппов", "Мельников", "Гончаров", "Крылов", "Карпов", "Данилов", "Калинин", "Щербаков",
            "Осипов", "Фролов", "Хайруллин", "Гарипов", "Вишневский", "Островский", "Ковальчук", "Шевченко",
            "Бондаренко", "Ким", "Цой", "Абрамян", "Шапиро"]
PATRONYMICS = {"Александр": "Александров", "Дмитрий": "Дмитриев", "Сергей": "Сергеев", "Андрей": "Андреев",
               "Алексей": "Алексеев", "Михаил": "Михайлов", "Игорь": "Игорев", "Владимир": "Владимиров",
               "Николай": "Николаев", "Виктор": "Викторов", "Рашид": "Рашидов", "Павел": "Павлов"}
LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                  "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))
MAIL_DOMAINS = ["example.com", "example.org", "example.net"]
MOBILE_CODES = ["916", "915", "903", "905", "925", "926", "929", "965", "977", "985", "999", "963", "968"]

# Moscow streets and a point on each (latitude, longitude); a house lies within a few hundred metres.
STREETS = [
    ("ул. Тверская", 55.7650, 37.6050), ("ул. Профсоюзная", 55.6700, 37.5500),
    ("Ленинский проспект", 55.7000, 37.5600), ("ул. Покровка", 55.7590, 37.6480),
    ("проспект Мира", 55.7950, 37.6370), ("Кутузовский проспект", 55.7420, 37.5320),
    ("ул. Вавилова", 55.6950, 37.5700), ("ул. Бутырская", 55.7990, 37.5850),
    ("Ломоносовский проспект", 55.6930, 37.5300), ("ул. Маросейка", 55.7580, 37.6370),
    ("ул. Остоженка", 55.7400, 37.5990), ("ул. Большая Дмитровка", 55.7620, 37.6120),
    ("Нахимовский проспект", 55.6640, 37.5950), ("ул. Новослободская", 55.7850, 37.5990),
    ("Варшавское шоссе", 55.6500, 37.6200), ("ул. Лесная", 55.7800, 37.5920),
    ("Ленинградский проспект", 55.7900, 37.5400), ("ул. Сретенка", 55.7690, 37.6330),
    ("Каширское шоссе", 55.6550, 37.6600), ("ул. Марксистская", 55.7390, 37.6640),
    ("ул. Удальцова", 55.6780, 37.4990), ("Рязанский проспект", 55.7200, 37.7700),
    ("ул. Бауманская", 55.7720, 37.6780), ("ул. Авиамоторная", 55.7490, 37.7170),
    ("Мичуринский проспект", 55.6940, 37.4970), ("ул. Шаболовка", 55.7170, 37.6080),
    ("ул. Миклухо-Маклая", 55.6450, 37.5200), ("Хорошёвское шоссе", 55.7760, 37.5290),
    ("ул. Земляной Вал", 55.7560, 37.6580), ("ул. Большая Полянка", 55.7370, 37.6180),
    ("Волгоградский проспект", 55.7120, 37.7300), ("ул. Люблинская", 55.6770, 37.7400),
    ("ул. Пятницкая", 55.7410, 37.6280), ("проспект Вернадского", 55.6770, 37.5050),
    ("ул. Первомайская", 55.7950, 37.7900), ("Щёлковское шоссе", 55.8100, 37.7900),
    ("ул. Дубнинская", 55.8800, 37.5550), ("Алтуфьевское шоссе", 55.8650, 37.5870),
    ("Дмитровское шоссе", 55.8450, 37.5700), ("ул. Маршала Бирюзова", 55.7930, 37.4950),
]
OTHER_CITIES = [
    "Тверь, ул. Советская, д. 20, кв. 7", "Казань, ул. Баумана, д. 44, кв. 12",
    "Екатеринбург, ул. Малышева, д. 51, кв. 88", "Нижний Новгород, ул. Большая Покровская, д. 9, кв. 3",
    "Санкт-Петербург, ул. Рубинштейна, д. 15, кв. 21", "Ярославль, ул. Свободы, д. 33, кв. 40",
    "Калуга, ул. Кирова, д. 18, кв. 5", "Тула, проспект Ленина, д. 70, кв. 114",
]
# Companies: name, 10-digit INN (legal entity) or 12 (sole trader), number of people who order.
COMPANIES = [
    ("ООО «Северная кофейня»", 10, 3), ("ООО «Бюро Линия»", 10, 3), ("ООО «Студия Веранда»", 10, 2),
    ("ООО «Пекарня на Соколе»", 10, 2), ("ООО «ТехноПарк Сервис»", 10, 1), ("ИП Соколова", 12, 1),
    ("ИП Гарипов", 12, 2), ("ООО «Офис Плюс»", 10, 1),
]  # a sole trader ("ИП <surname>") orders in person first; the company's name is then their full name
PRIVATE = 98  # private buyers (each with their own card)
COUPLES = 6  # partners who share a phone number: the second one ends up a contact person


@dataclass(frozen=True)
class Address:
    text: str
    lat: float | None = None
    lon: float | None = None

    @property
    def moscow(self) -> bool:
        return self.lat is not None


@dataclass(frozen=True)
class Person:
    key: str  # stable within the demo: "p17", "c3-2"
    name: str
    phone: str  # ten digits, e.g. "9161234567"; written in a different format on each order
    email: str  # "" or lower case
    address: Address
    weight: float  # how often they order, relative to the others
    company: str = ""
    inn: str = ""
    capitals: bool = False  # sometimes writes the e-mail with capitals (the same address for de-duplication)

    @property
    def business(self) -> bool:
        return bool(self.inn)


def feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    return surname


def latin(text: str) -> str:
    return "".join(LATIN.get(ch, ch) for ch in text.lower() if ch.isalpha())


def inn_check(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def make_inn(rng: random.Random, length: int) -> str:
    """A Moscow INN (77…) with valid check digits: 10 digits for a company, 12 for a sole trader."""
    if length == 10:
        body = "77" + "".join(str(rng.randint(0, 9)) for _ in range(7))
        return body + inn_check(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))
    body = "77" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    body += inn_check(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return body + inn_check(body, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def write_phone(digits: str, style: int) -> str:
    """Ten digits the way people type them (all mean +7 XXX XXX-XX-XX)."""
    a, b, c, d = digits[:3], digits[3:6], digits[6:8], digits[8:]
    return [f"+7 {a} {b}-{c}-{d}", f"8 ({a}) {b}-{c}-{d}", f"8{digits}", f"+7{digits}", f"{a} {b} {c} {d}",
            f"+7 ({a}) {b} {c} {d}", f"8-{a}-{b}-{c}-{d}"][style % 7]


class _Cast:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.names: set[str] = set()

    def phone(self) -> str:
        while True:
            digits = self.rng.choice(MOBILE_CODES) + "".join(str(self.rng.randint(0, 9)) for _ in range(7))
            if digits not in self.phones:
                self.phones.add(digits)
                return digits

    def name(self, female: bool, surname: str | None = None) -> tuple[str, str, str]:
        """(full name, first name, surname as written)."""
        while True:
            first = self.rng.choice(FEMALE if female else MALE)
            last = surname or self.rng.choice(SURNAMES)
            last = feminine(last) if female else last
            if f"{first} {last}" not in self.names or surname:
                self.names.add(f"{first} {last}")
                return f"{first} {last}", first, last

    def email(self, first: str, last: str, domain: str | None = None) -> str:
        rng = self.rng
        patterns = [f"{latin(first)}.{latin(last)}", f"{latin(last)}.{latin(first)[0]}",
                    f"{latin(first)[0]}.{latin(last)}", f"{latin(first)}{rng.randint(70, 99)}",
                    f"{latin(last)}{rng.randint(1, 999)}"]
        for candidate in [rng.choice(patterns), *patterns]:
            address = f"{candidate}@{domain or rng.choice(MAIL_DOMAINS)}"
            if address not in self.emails:
                self.emails.add(address)
                return address
        address = f"{latin(first)}.{latin(last)}.{len(self.emails)}@{domain or MAIL_DOMAINS[0]}"
        self.emails.add(address)
        return address

    def home(self, office: bool = False) -> Address:
        street, lat, lon = self.rng.choice(STREETS)
        house = self.rng.randint(1, 120)
        building = f", корп. {self.rng.randint(1, 4)}" if self.rng.random() < 0.2 else ""
        flat = f", офис {self.rng.randint(1, 6)}{self.rng.randint(1, 20):02d}" if office else (
            f", кв. {self.rng.randint(1, 280)}")
        return Address(f"Москва, {street}, д. {house}{building}{flat}",
                       round(lat + self.rng.uniform(-0.004, 0.004), 6), round(lon + self.rng.uniform(-0.006, 0.006), 6))


def _private(cast: _Cast) -> list[Person]:
    rng = cast.rng
    people = []
    cities = list(OTHER_CITIES)
    for n in range(PRIVATE):
        female = rng.random() < 0.6
        full, first, last = cast.name(female)
        email = cast.email(first, last) if rng.random() < 0.8 else ""
        address = Address(cities.pop(0)) if n % 11 == 5 and cities else cast.home()
        weight = rng.choice([0.5, 0.7, 1.0, 1.0, 1.5, 2.0, 3.0, 5.0])
        people.append(Person(f"p{n + 1}", full, cast.phone(), email, address, weight,
                             capitals=bool(email) and n % 15 == 3))
    return people


def _couples(cast: _Cast, people: list[Person]) -> list[Person]:
    """Partners of some private buyers in Moscow, ordering with the same phone."""
    out = []
    hosts = [p for p in people if p.address.moscow][::7][:COUPLES]
    for n, host in enumerate(hosts, start=1):
        first, surname = host.name.split()
        host_female = first in FEMALE
        male_form = next((s for s in SURNAMES if feminine(s) == surname), surname) if host_female else surname
        full, _first, _last = cast.name(not host_female, male_form)
        out.append(Person(f"f{n}", full, host.phone, "", host.address, cast.rng.choice([0.5, 1.0])))
    return out


def _companies(cast: _Cast) -> list[Person]:
    rng = cast.rng
    out = []
    for n, (company, inn_length, staff) in enumerate(COMPANIES, start=1):
        inn = make_inn(rng, inn_length)
        office = cast.home(office=True)
        domain = f"{latin(company.split('«')[-1].split()[0])[:12]}.example.com"
        for m in range(staff):
            if company.startswith("ИП ") and m == 0:  # the sole trader orders in person
                full, first, last = _sole_trader(company.split()[1], rng)
                company = f"ИП {full}"
                domain = f"{latin(last)}.example.com"
            else:
                full, first, last = cast.name(rng.random() < 0.6)
            out.append(Person(f"c{n}-{m + 1}", full, cast.phone(), cast.email(first, last, domain), office,
                              rng.choice([1.0, 1.5, 2.0]), company=company, inn=inn))
    return out


def _sole_trader(surname: str, rng: random.Random) -> tuple[str, str, str]:
    female = surname.endswith("а")
    first = rng.choice(FEMALE if female else MALE)
    patronymic = rng.choice(list(PATRONYMICS.values())) + ("на" if female else "ич")
    return f"{surname} {first} {patronymic}", first, surname


def demo_people() -> list[Person]:
    """Everyone who orders in the demo, in a fixed order."""
    cast = _Cast()
    private = _private(cast)
    return private + _couples(cast, private) + _companies(cast)


def customer_input(person: Person, rng: random.Random, *, email: bool = True) -> CustomerInput:
    """What the person types with an order: the phone in one of the usual formats; the e-mail (when
    the channel passes it on) now and then with capitals."""
    address = person.email if email else ""
    if address and person.capitals and rng.random() < 0.5:
        local, domain = address.split("@")
        address = f"{'.'.join(w.capitalize() for w in local.split('.'))}@{domain.capitalize()}"
    return CustomerInput(name=person.name, email=address, phone=write_phone(person.phone, rng.randrange(7)),
                         inn=person.inn, company=person.company)
