"""Builders for the manager PWA tests: users of each role, a small coffee catalog made through the
catalog service, warehouses with bins, a signed-in client, and HTMX / form helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from harness import login

from server.domain.catalog.categories import create_category
from server.domain.catalog.dto import BarcodeInput, ProductInput, VariantInput
from server.domain.catalog.products import create_product
from server.domain.catalog.properties import define_property
from server.domain.stock.warehouses import create_bin, create_warehouse
from server.domain.users.accounts import create_user
from tests.routes.api_helpers import ean13

HTMX = {"HX-Request": "true"}
KEN_EAN = ean13("460123400001")
KEN_PACK_EAN = ean13("460123400002")  # a box of 6
KEN_KG_EAN = ean13("460123400003")
TEA_EAN = ean13("460123400004")


@dataclass
class Shop:
    product_id: int
    variants: dict[str, int]  # sku → variant id
    tea_id: int
    warehouses: dict[str, int] = field(default_factory=dict)  # code → id
    bins: dict[str, int] = field(default_factory=dict)  # "CODE:A-01" → id


async def sign_in(client, role: str, username: str | None = None) -> None:
    """Creates a user with this role (password demo) and signs the client in."""
    name = username or role
    await create_user(name, "demo", [role])
    response = await login(client, name)
    assert response.history and response.history[0].status_code == 303, response.text  # signed in


async def make_shop() -> Shop:
    """«Кофе Кения АА» (two variants: 250 g with a unit and a package barcode, 1 kg), «Чай Ассам» (one
    variant), a category path, a property; warehouses MAIN (bins A-01, A-02) and SHOP (bin B-01)."""
    coffee = await create_category("Кофе")
    beans = await create_category("Зерновой", coffee)
    await define_property("origin", "Страна происхождения")
    created = await create_product(ProductInput(
        name="Кофе Кения АА", category_id=beans, vat="10", weight_g=250, length_mm=80, width_mm=60,
        height_mm=200, serial_tracked=False, marking_required=True, description="Яркая кислотность.",
        image_urls=["https://img.example.com/kenya.jpg"], properties={"origin": "Кения"},
        variants=[
            VariantInput(sku="KEN-250", characteristics={"Помол": "зерно", "Вес": "250 г"},
                         barcodes=[BarcodeInput(code=KEN_EAN), BarcodeInput(code=KEN_PACK_EAN, multiplier=6)],
                         prices={"retail": 89000, "purchase": 41250}),
            VariantInput(sku="KEN-1000", characteristics={"Помол": "зерно", "Вес": "1 кг"},
                         barcodes=[BarcodeInput(code=KEN_KG_EAN)], prices={"retail": 299000}),
        ]))
    tea = await create_product(ProductInput(name="Чай Ассам", variants=[
        VariantInput(sku="TEA-ASSAM", barcodes=[BarcodeInput(code=TEA_EAN)], prices={"retail": 45000})]))
    shop = Shop(product_id=created.id, variants={v.sku: v.id for v in created.variants}, tea_id=tea.id)
    shop.variants["TEA-ASSAM"] = tea.variants[0].id
    for code, bins in (("MAIN", ("A-01", "A-02")), ("SHOP", ("B-01",))):
        shop.warehouses[code] = await create_warehouse(code, f"Склад {code}")
        for address in bins:
            shop.bins[f"{code}:{address}"] = await create_bin(shop.warehouses[code], *address.split("-"))
    return shop


def csrf(client) -> str:
    return client.cookies.get("csrftoken") or ""


def form(client, **fields) -> dict:
    """Form data with the CSRF token; list values become repeated fields."""
    return {"_csrf_token": csrf(client), **fields}


def texts(html: str) -> str:
    """The page's visible text in one line (tags dropped, whitespace squeezed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens (long hex) cut out: a check that no price is on the page must not trip
    over digits in a random token."""
    return re.sub(r"[0-9a-f]{32,}", "", html)


def count_testid(html: str, testid: str) -> int:
    return len(re.findall(rf'data-testid="{re.escape(testid)}"', html))


def board_row(html: str, order_id: int) -> str:
    """The order board's table row of this order."""
    return html.split(f'data-order-id="{order_id}"')[1].split("</tr>")[0]


def by_testid(html: str, testid: str) -> list[str]:
    """The text right inside every element with this data-testid."""
    return [m.strip() for m in re.findall(rf'data-testid="{re.escape(testid)}"[^>]*>([^<]*)<', html)]


class _FormReader(HTMLParser):
    """Collects what a browser would send for the form with this id (or every field when None):
    inputs except buttons, the selected option of each select, textareas. Buttons are left out."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, form_id is None
        self.fields: list[tuple[str, str]] = []
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id or self.inside
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "image", "reset"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [v for v, sel in options if sel] or [v for v, _sel in options[:1]]
            if chosen:
                self.fields.append((name, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False


def form_fields(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.fields


def replace(fields: list[tuple[str, str]], name: str, *values: str) -> list[tuple[str, str]]:
    """The fields with every `name` replaced by these values, in order."""
    return [f for f in fields if f[0] != name] + [(name, v) for v in values]


async def post_fields(client, url: str, fields: list[tuple[str, str]], *, headers: dict | None = None, **extra):
    """POSTs the fields (repeated names kept in order) as a urlencoded form with the CSRF token."""
    from urllib.parse import urlencode

    body = [f for f in fields if f[0] != "_csrf_token"] + [("_csrf_token", csrf(client))]
    body += [(k, str(v)) for k, v in extra.items()]
    return await client.post(url, content=urlencode(body).encode(), follow_redirects=False,
                             headers={"content-type": "application/x-www-form-urlencoded", **(headers or {})})
