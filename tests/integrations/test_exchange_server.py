"""Kladovka as the site, towards the shop's own 1C: a client replays 1C's session over real HTTP on
loopback (the app served by uvicorn): Basic auth (a wrong password is refused), init, the fixture
import/offers uploaded in parts (and zipped), imports answered "progress" then "success"; orders
queried, confirmed, and changed by 1C; broken XML, an XML bomb and path traversal refused with a
Russian reason and nothing imported."""

from __future__ import annotations

import asyncio
import io
import zipfile

import httpx
import pytest

from server.app import create_app
from server.domain.catalog.tables import Price, Product, Variant
from server.domain.channels.channels import create_channel
from server.domain.exchange.refs import save_refs
from server.domain.exchange.runs import recent_runs
from server.domain.orders.dto import CustomerInput, IntakeLine, OrderIntake
from server.domain.orders.intake import intake_order
from server.domain.orders.queries import get_order
from server.domain.orders.tables import Order
from server.domain.stock.tables import StockBalance
from server.integrations.commerceml import Requisite, parse_document, parse_orders, site_files
from server.integrations.commerceml.writer import write_orders
from server.web.ratelimit import login_attempts, login_key
from tests.domain.stock_helpers import make_variant, make_warehouse, receive
from tests.integrations.commerceml_helpers import fixture
from tests.integrations.exchange_peers import serve

AUTH = ("buh", "1c-secret")
LOGIN_KEY = login_key("exchange:acc", "127.0.0.1")


async def shop(*stock: tuple[str, int]) -> dict[str, int]:
    wh = await make_warehouse("MAIN")
    made = {}
    for sku, qty in stock:
        made[sku] = await make_variant(sku)
        await receive(wh, (made[sku], qty, 10000))
    return made


def intake(*lines: tuple[str, int]) -> OrderIntake:
    return OrderIntake(channel="api", lines=[IntakeLine(sku=sku, qty=qty, price=89000) for sku, qty in lines],
                       customer=CustomerInput(name="Анна Петрова", email="anna@example.ru", phone="+7 916 123-45-67"))
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<\xd0\x9a\xd0\xbe\xd0\xbc>&lol2;</\xd0\x9a\xd0\xbe\xd0\xbc>"""


class OneC:
    """What 1C does, step by step."""

    def __init__(self, http: httpx.AsyncClient, code: str = "acc") -> None:
        self.http, self.path, self.cookie = http, f"/exchange/1c/{code}", ""

    async def call(self, kind: str, mode: str, body: bytes | None = None, **params) -> httpx.Response:
        query = {"type": kind, "mode": mode, **params}
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is None:
            return await self.http.get(self.path, params=query, headers=headers)
        return await self.http.post(self.path, params=query, content=body, headers=headers)

    async def text(self, kind: str, mode: str, body: bytes | None = None, **params) -> list[str]:
        response = await self.call(kind, mode, body, **params)
        assert response.status_code == 200
        return response.text.split("\n")

    async def login(self, kind: str = "catalog", auth=AUTH) -> list[str]:
        self.cookie = ""
        lines = (await self.http.get(self.path, params={"type": kind, "mode": "checkauth"}, auth=auth)).text.split("\n")
        if lines[0] == "success":
            self.cookie = f"{lines[1]}={lines[2]}"
        return lines

    async def upload(self, name: str, data: bytes, part: int = 3000) -> None:
        for start in range(0, len(data), part):
            assert (await self.text("catalog", "file", data[start:start + part], filename=name))[0] == "success"

    async def load(self, name: str) -> tuple[list[str], int]:
        """mode=import until it is no longer "progress"; (the last answer, how many progress answers)."""
        for steps in range(3000):
            lines = await self.text("catalog", "import", filename=name)
            if lines[0] != "progress":
                return lines, steps
            await asyncio.sleep(0.02)
        raise AssertionError("the import never finished")


@pytest.fixture
async def onec():
    await create_channel("acc", "Бухгалтерия 1С", "commerceml_1c", secret="1c-secret",
                         settings={"login": "buh", "import_wait": 0})
    app = create_app()
    attempts = login_attempts(app)
    await attempts.reset(LOGIN_KEY)  # the store may be Redis, shared with earlier runs
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        client = OneC(http)
        client.attempts = attempts
        yield client
    await attempts.reset(LOGIN_KEY)


async def test_catalog_upload_in_parts_and_zipped_arrives(onec, monkeypatch):
    await shop()  # the warehouse MAIN
    go_on = asyncio.Event()
    real_import = site_files.import_catalog

    async def held_import(*args, **kwargs):  # the first import waits until the test has seen "progress"
        await go_on.wait()
        return await real_import(*args, **kwargs)

    monkeypatch.setattr(site_files, "import_catalog", held_import)
    for _ in range(5):
        assert (await onec.login(auth=("buh", "wrong")))[:2] == ["failure", "Неверный логин или пароль обмена"]
    assert (await onec.login())[:2] == ["failure", "Слишком много неудачных попыток входа в обмен; повторите "
                                                   "через несколько минут"]
    await onec.attempts.reset(LOGIN_KEY)  # the window has passed
    assert (await onec.text("catalog", "init"))[0] == "failure"  # no session, no exchange
    lines = await onec.login()
    assert lines[:2] == ["success", "kladovka_exchange"] and lines[3] == f"sessid={lines[2]}"
    assert (await onec.text("catalog", "init", version="2.08"))[:2] == ["zip=yes", "file_limit=8000000"]
    await onec.upload("import.xml", fixture("cml207_import.xml"))
    for _ in range(2):
        answer = await onec.text("catalog", "import", filename="import.xml")
        assert answer[0] == "progress" and answer[1].startswith("Загрузка import.xml"), answer
    go_on.set()
    assert (await onec.load("import.xml"))[0][0] == "success"
    await onec.upload("offers.xml", fixture("cml207_offers_variants_stores.xml"))
    assert (await onec.load("offers.xml"))[0][0] == "success"
    assert (await Product.count(), await Variant.count(), await Price.count()) == (2, 5, 5)
    assert (await StockBalance.raw("SELECT SUM(on_hand) AS n FROM stock_balance"))[0]["n"] == 219
    assert (await onec.text("catalog", "complete"))[0] == "success"

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("import.xml", fixture("cml204_import_1c_official.xml"))
        z.writestr("offers.xml", fixture("cml204_offers_1c_official.xml"))
        z.writestr("import_files/ab/picture.jpg", b"\xff\xd8 not really a picture")
    await onec.login()
    await onec.text("catalog", "init")
    await onec.upload("import.zip", archive.getvalue(), part=700)
    assert (await onec.load("import.xml"))[0][0] == "success"
    assert (await onec.load("offers.xml"))[0][0] == "success"
    assert await Product.count() == 4
    runs = await recent_runs("acc")
    assert runs[0]["role"] == "1c" and runs[0]["received"]["files"] == 2 and runs[0]["status"] == "success"


async def test_bad_files_and_names_are_refused_and_nothing_is_imported(onec):
    await shop()
    await onec.login()
    for name in ("../../etc/passwd", "/etc/cron.d/x.xml", "import_files/../../x.xml", "C:\\boot.xml"):
        lines = await onec.text("catalog", "file", b"<x/>", filename=name)
        assert lines[0] == "failure" and lines[1].startswith("Недопустимое имя файла"), (name, lines)
    await onec.upload("broken.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация><Каталог>'.encode())
    answer, _ = await onec.load("broken.xml")
    assert answer[0] == "failure" and "XML" in answer[1] and "ничего не загружено" in answer[1], answer
    await onec.upload("bomb.xml", BOMB)
    answer, _ = await onec.load("bomb.xml")
    assert answer[0] == "failure" and "DTD" in answer[1], answer
    bad_zip = io.BytesIO()
    with zipfile.ZipFile(bad_zip, "w") as z:
        z.writestr("../evil.xml", b"<x/>")
    await onec.upload("evil.zip", bad_zip.getvalue())
    answer, _ = await onec.load("import.xml")
    assert answer[0] == "failure" and "недопустимым именем" in answer[1], answer
    assert await Product.count() == 0
    runs = await recent_runs("acc")
    assert runs[0]["status"] == "failed" and "broken.xml" in runs[0]["error"]


async def test_orders_go_to_1c_once_and_its_changes_come_back(onec):
    goods = await shop(("KEN-250", 10), ("EFI-250", 10))
    ours = await intake_order(intake(("KEN-250", 2), ("EFI-250", 1)), actor="test")
    await save_refs("1c", "variant", [("cbcf498f-55bc-11d9-848a-00112f43529a", goods["EFI-250"], "")])
    await onec.login("sale")
    await onec.text("sale", "init")
    response = await onec.call("sale", "query")
    assert response.headers["content-type"].startswith("application/xml")
    sent = parse_document(response.content).orders
    assert [(o.id, o.number, o.total) for o in sent] == [(str(ours.order_id), ours.number, ours.total)]
    assert (await onec.text("sale", "success"))[0] == "success"
    assert parse_document((await onec.call("sale", "query")).content).orders == []  # confirmed: not sent again

    change = sent[0]
    change.requisites = [r for r in change.requisites if r.name not in ("Статус заказа ИД", "Статуса заказа ИД",
                                                                        "Статус заказа", "Заказ оплачен")]
    change.requisites += [Requisite("Дата оплаты по 1С", "2024-05-01 12:00:00"), Requisite("Статус заказа", "Закрыт")]
    new_from_1c = parse_orders(fixture("cml203_orders_cp1251.xml"))[0]
    body = write_orders([change, new_from_1c], version="2.05", encoding="windows-1251")
    lines = await onec.text("sale", "file", body, filename="from_1c.xml")
    assert lines[0] == "success" and "Заказов принято: 2" in lines[1], lines
    card = await get_order(ours.order_id)
    assert (card["status"], card["paid"]) == ("delivered", card["total"])
    made = await Order.select().where((Order.channel == "acc") & (Order.external_id == "20")).first()
    assert made is not None and made["delivery_cost"] == 34800
    again = await onec.text("sale", "file", body, filename="from_1c.xml")  # 1C sends the same file again
    assert again[0] == "success" and await Order.count() == 2
    # the order from 1C changed in Kladovka only by 1C itself: nothing to tell 1C about our own order
    assert [o.id for o in parse_document((await onec.call("sale", "query")).content).orders] == []
