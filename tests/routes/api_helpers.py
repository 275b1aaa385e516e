"""Builders shared by the API tests: tokens, valid barcodes, a product made through the API, a warehouse."""

from __future__ import annotations

import re

from server.domain.stock.warehouses import create_bin, create_warehouse
from server.domain.users.tokens import create_token

PROBLEM = "application/problem+json"
CYRILLIC = re.compile("[А-Яа-яЁё]")


async def bearer(*roles: str, name: str = "integration") -> dict[str, str]:
    issued = await create_token(name, list(roles) or ["manager"])
    return {"Authorization": f"Bearer {issued.token}"}


def ean13(first12: str) -> str:
    digits = [int(c) for c in first12]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return first12 + str((10 - total % 10) % 10)


def wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def product_body(name: str = "Кения АА", *variants: dict) -> dict:
    return {"name": name, "vat": "20", "variants": list(variants) or [
        {"sku": "KEN-250", "characteristics": {"Помол": "зерно", "Вес": "250 г"},
         "barcodes": [{"code": ean13("460123400001")}, {"code": ean13("460123400002"), "multiplier": 6}],
         "prices": {"retail": "890.00", "purchase": 412.5}},
        {"sku": "KEN-1000", "characteristics": {"Помол": "зерно", "Вес": "1 кг"},
         "barcodes": [{"code": ean13("460123400003")}], "prices_kopecks": {"retail": 299000}},
    ]}


async def create_product(client, headers: dict[str, str], body: dict | None = None) -> dict:
    response = await client.post("/api/v1/products", json=body or product_body(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def warehouse(code: str = "MAIN", *bins: str) -> tuple[int, dict[str, int]]:
    """A warehouse and its bins, given as addresses "A-01-02"."""
    warehouse_id = await create_warehouse(code, f"Склад {code}")
    made = {}
    for address in bins:
        made[address] = await create_bin(warehouse_id, *address.split("-"))
    return warehouse_id, made


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers["content-type"]
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"], body
    return body


def assert_russian_problem(response, status: int, *, fields: set[str | None] | None = None) -> dict:
    """A problem document in Russian (Cyrillic detail and titles) with an `errors` list; `fields`, when
    given, must be exactly the fields named by the errors."""
    body = assert_problem(response, status)
    assert CYRILLIC.search(body["detail"]), body
    assert CYRILLIC.search(body["title"]), body
    assert body["errors"], body
    for item in body["errors"]:
        assert CYRILLIC.search(item["detail"]), item
    if fields is not None:
        assert {item["field"] for item in body["errors"]} == fields, body["errors"]
    return body


async def make_goods(sku: str, *barcodes: tuple[str, int], product: str = "Кения АА", name: str = "зерно") -> int:
    """A variant made directly with Piccolo (not through the catalog service), with its barcodes
    given as (code, multiplier); returns the variant id."""
    from server.domain.catalog.search import search_text_for
    from server.domain.catalog.tables import Barcode, Product, Variant

    row = Product(name=product)
    await row.save()
    variant = Variant(product=row.id, sku=sku, name=name, search_text=search_text_for(product, name, sku))
    await variant.save()
    for code, multiplier in barcodes:
        await Barcode(variant=variant.id, code=code, kind="ean13" if len(code) == 13 else "code128",
                      multiplier=multiplier).save()
    return variant.id


async def counts() -> dict[str, int]:
    """Rows of everything an API call could change, to prove that refused input changed nothing."""
    from server.domain.catalog.tables import Barcode, Price, Product, Variant
    from server.domain.stock.tables import (
        BinBalance,
        Reservation,
        StockBalance,
        StockDocument,
        StockDocumentLine,
        StockMove,
    )

    tables = {"products": Product, "variants": Variant, "barcodes": Barcode, "prices": Price,
              "documents": StockDocument, "lines": StockDocumentLine, "moves": StockMove,
              "balances": StockBalance, "bin_balances": BinBalance, "reservations": Reservation}
    return {name: await table.count() for name, table in tables.items()}


async def ledger() -> dict:
    """The ledger's state (balances with their quantities, documents with their status)."""
    from server.domain.stock.tables import BinBalance, StockBalance, StockDocument

    return {
        "balances": await StockBalance.select(StockBalance.variant, StockBalance.warehouse, StockBalance.on_hand,
                                              StockBalance.reserved, StockBalance.value).order_by(StockBalance.id),
        "bins": await BinBalance.select(BinBalance.variant, BinBalance.bin, BinBalance.on_hand).order_by(
            BinBalance.id),
        "documents": await StockDocument.select(StockDocument.id, StockDocument.status).order_by(StockDocument.id),
    }
