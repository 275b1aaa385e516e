"""Loads the demo shop «Кофейная лавка» through the domain services, in one transaction.

What it makes (the data lives in spec.py, coffee.py, goods.py, catalog.py and stock_plan.py): the
category tree and properties, 100+ products with 340+ variants (barcodes, three prices each), two
warehouses with bins, a posted history of receipts, transfers, write-offs and an inventory count, and
one user per role with the password `demo`. Then (orders.py, from people.py, order_plan.py and
timeline.py) the sales channels, about 120 customers and 250 orders of the last 60 days in every
status, taken through order intake and the status machine.

Rules:
- An empty database (no user, product, warehouse or stock document) gets the demo.
- `if_empty=True` on a non-empty database: nothing happens, a message says so.
- Otherwise a non-empty database is refused (DemoRefused) unless `force=True`. With force the demo is
  added next to the data already there: existing categories and properties with the demo's names are
  reused, demo users whose login is taken are skipped (their passwords stay as they are). It is still
  refused when the demo is already there (warehouse MAIN or SHOP, or a demo SKU exists).
- Everything happens in one write transaction: a problem (e.g. a demo barcode already used by the
  shop's own goods) loads nothing and is reported as DemoRefused.
The documents' dates are the load time: the stock services stamp them, and the demo does not
write the ledger's tables itself.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from server.db import write_tx
from server.demo.catalog import Built, build_catalog
from server.demo.delivery import DeliveryResult, load_deliveries
from server.demo.floor import FloorResult, load_floor
from server.demo.order_plan import ORDERS
from server.demo.orders import SalesResult, load_orders, summary_lines
from server.demo.spec import CATEGORY_TREE, PROPERTIES
from server.demo.stock_plan import (
    MAIN,
    WAREHOUSES,
    PlannedDocument,
    main_bins,
    plan_documents,
    shop_bins,
    skus_of,
)
from server.demo.zones import load_zones, set_default_couriers, set_limits
from server.domain.catalog.categories import PATH_SEPARATOR, create_category, list_categories
from server.domain.catalog.prices import ensure_default_price_types
from server.domain.catalog.products import create_product
from server.domain.catalog.properties import define_property, load_properties
from server.domain.catalog.tables import Product, Variant
from server.domain.catalog.units import ensure_units
from server.domain.stock.documents import create_document
from server.domain.stock.dto import DocumentInput, LineInput
from server.domain.stock.tables import StockDocument, Warehouse
from server.domain.stock.warehouses import create_bin, create_warehouse
from server.domain.users.accounts import create_user
from server.domain.users.tables import User
from server.errors import DomainError

ACTOR = "demo"
PASSWORD = "demo"
USERS = [  # login (= role), full name
    ("owner", "Владелец"),
    ("manager", "Менеджер"),
    ("picker", "Кладовщик"),
    ("courier", "Курьер"),
    ("cashier", "Кассир"),
]
KIND_NAMES = {"receipt": ("receipt", "receipts"), "transfer": ("transfer", "transfers"),
              "write_off": ("write-off", "write-offs"), "inventory": ("inventory count", "inventory counts")}


class DemoRefused(Exception):
    pass


@dataclass
class DemoResult:
    products: int = 0
    variants: int = 0
    categories: int = 0
    bins: dict[str, int] = field(default_factory=dict)  # warehouse code → bins
    documents: Counter = field(default_factory=Counter)  # kind → posted documents
    users: list[str] = field(default_factory=list)  # created logins
    skipped_users: list[str] = field(default_factory=list)  # logins that already existed
    sales: SalesResult = field(default_factory=SalesResult)  # channels, customers, orders
    floor: FloorResult = field(default_factory=lambda: FloorResult(orders=[]))  # today's picking and receiving
    delivery: DeliveryResult = field(default_factory=DeliveryResult)  # couriers and today's packed orders
    seconds: float = 0.0


async def database_is_empty() -> bool:
    for table in (User, Product, Warehouse, StockDocument):
        if await table.exists():
            return False
    return True


async def _refuse_if_loaded(built: list[Built]) -> None:
    codes = [code for code, _, _ in WAREHOUSES]
    taken = await Warehouse.select(Warehouse.code).where(Warehouse.code.is_in(codes))
    if taken:
        raise DemoRefused(f"the demo shop seems to be loaded already: warehouse {taken[0]['code']} exists; "
                          "nothing was changed")
    skus = [v.sku for b in built for v in b.product.variants]
    found = await Variant.select(Variant.sku).where(Variant.sku.is_in(skus)).first()
    if found:
        raise DemoRefused(f"the demo shop seems to be loaded already: SKU {found['sku']} exists; "
                          "nothing was changed")


async def _categories(result: DemoResult) -> dict[tuple[str, ...], int]:
    """The tree, reusing categories that already have the demo's path."""
    existing = {tuple(row["path"].split(PATH_SEPARATOR)): row["id"] for row in await list_categories()}
    ids: dict[tuple[str, ...], int] = {}

    async def ensure(path: tuple[str, ...], parent: int | None, sort: int) -> int:
        if path not in existing:
            existing[path] = await create_category(path[-1], parent, sort=sort, actor=ACTOR)
            result.categories += 1
        ids[path] = existing[path]
        return existing[path]

    for n, (top, subs) in enumerate(CATEGORY_TREE, start=1):
        top_id = await ensure((top,), None, n * 10)
        for m, sub in enumerate(subs, start=1):
            await ensure((top, sub), top_id, m * 10)
    return ids


async def _properties() -> None:
    have = await load_properties([p.code for p in PROPERTIES])
    for p in PROPERTIES:
        if p.code not in have:
            await define_property(p.code, p.name, p.kind, p.unit, list(p.choices), actor=ACTOR)


async def _products(built: list[Built], result: DemoResult) -> dict[str, int]:
    variant_ids: dict[str, int] = {}
    for b in built:
        created = await create_product(b.product, actor=ACTOR)
        variant_ids.update({v.sku: v.id for v in created.variants})
        result.products += 1
        result.variants += len(created.variants)
    return variant_ids


async def _warehouses(result: DemoResult) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    warehouse_ids = {code: await create_warehouse(code, name, address=address, actor=ACTOR)
                     for code, name, address in WAREHOUSES}
    bin_ids: dict[tuple[str, str], int] = {}
    for spec in main_bins() + shop_bins():
        bin_ids[(spec.warehouse, spec.address)] = await create_bin(
            warehouse_ids[spec.warehouse], spec.zone, spec.rack, spec.shelf, spec.cell, spec.pick_seq, actor=ACTOR)
        result.bins[spec.warehouse] = result.bins.get(spec.warehouse, 0) + 1
    return warehouse_ids, bin_ids


def _document_input(doc: PlannedDocument, variants: dict[str, int], warehouses: dict[str, int],
                    bins: dict[tuple[str, str], int]) -> DocumentInput:
    dest = doc.dest_warehouse or doc.warehouse
    lines = [LineInput(variant_id=variants[line.sku], qty=line.qty,
                       bin_id=bins[(doc.warehouse, line.bin)] if line.bin else None,
                       dest_bin_id=bins[(dest, line.dest_bin)] if line.dest_bin else None, price=line.price)
             for line in doc.lines]
    return DocumentInput(kind=doc.kind, warehouse_id=warehouses[doc.warehouse], lines=lines,
                         dest_warehouse_id=warehouses[doc.dest_warehouse] if doc.dest_warehouse else None,
                         supplier=doc.supplier, reason=doc.reason, comment=doc.comment)


async def _documents(built: list[Built], variants: dict[str, int], warehouses: dict[str, int],
                     bins: dict[tuple[str, str], int], result: DemoResult) -> None:
    planned = plan_documents(skus_of(built))
    for doc, at in zip(planned, history_dates(len(planned)), strict=True):
        await create_document(_document_input(doc, variants, warehouses, bins), actor=ACTOR, post=True, at=at)
        result.documents[doc.kind] += 1


def history_dates(count: int, days: int = 60) -> list[datetime]:
    """Oldest first, spread over the last `days` days up to yesterday, each on a working morning
    (10:00–12:00 in Moscow, stored in UTC)."""
    start = (datetime.now(UTC) - timedelta(days=days)).replace(hour=7, minute=0, second=0, microsecond=0)
    step = (days - 1) / max(count - 1, 1)
    return [start + timedelta(days=round(n * step), hours=n % 3) for n in range(count)]


async def _users(result: DemoResult) -> None:
    taken = {r["username"] for r in await User.select(User.username).where(
        User.username.is_in([login for login, _ in USERS]))}
    for login, full_name in USERS:
        if login in taken:
            result.skipped_users.append(login)
            continue
        await create_user(login, PASSWORD, [login], full_name=full_name, actor=ACTOR)
        result.users.append(login)


async def _load(built: list[Built], result: DemoResult, orders: int) -> None:
    await ensure_units()
    await ensure_default_price_types()
    category_ids = await _categories(result)
    for b in built:
        b.product.category_id = category_ids.get(b.item.category)
    await _properties()
    variants = await _products(built, result)
    warehouses, bins = await _warehouses(result)
    zone_ids = await load_zones()  # before the orders: intake gives each courier order its zone
    await _documents(built, variants, warehouses, bins, result)
    await load_orders(built, variants, warehouses, bins, result.sales, orders)
    result.documents["receipt"] += result.sales.topups
    result.floor = await load_floor(warehouses[MAIN])
    await _users(result)
    result.delivery = await load_deliveries(warehouses[MAIN])
    await set_default_couriers(zone_ids)
    await set_limits(zone_ids)  # after the orders: taken without them (server/demo/zones.py)


async def load_demo(force: bool = False, if_empty: bool = False, orders: int = ORDERS) -> str:
    """Loads the demo shop; returns a summary with the logins. See the module docstring for the rules.
    `orders`: how many historical orders (tests that need no order history ask for a few)."""
    built = build_catalog({})
    if not await database_is_empty():
        if if_empty:
            return "demo: the database already has data; nothing loaded"
        if not force:
            raise DemoRefused("the database is not empty (it has users, products, warehouses or stock "
                              "documents); use --force to add the demo shop next to that data")
        await _refuse_if_loaded(built)
    result = DemoResult()
    started = time.perf_counter()
    try:
        async with write_tx():
            await _load(built, result, orders)
    except DomainError as exc:
        details = "; ".join(str(p) for p in exc.problems[:5])
        raise DemoRefused(f"the demo shop could not be loaded, nothing was changed: {exc}"
                          + (f" ({details})" if details else "")) from exc
    result.seconds = time.perf_counter() - started
    return summary(result)


def summary(result: DemoResult) -> str:
    names = {code: name for code, name, _ in WAREHOUSES}
    docs = ", ".join(f"{n} {KIND_NAMES[k][n != 1]}" for k in KIND_NAMES if (n := result.documents[k]))
    lines = [
        f"Demo shop «Кофейная лавка» loaded in {result.seconds:.1f} s:",
        f"  products:   {result.products} with {result.variants} variants, {result.categories} new categories",
        f"  warehouses: {len(result.bins)} — "
        + "; ".join(f"{code} «{names[code]}» with {n} bins" for code, n in result.bins.items()),
        f"  documents:  {sum(result.documents.values())} posted ({docs})",
        *summary_lines(result.sales),
        f"  warehouse:  {len(result.floor.orders)} confirmed orders to pick ({', '.join(result.floor.orders)}); "
        f"receipt {result.floor.receipt} from «ООО Зерно-Импорт» expected (a draft to receive)",
        f"  delivery:   {result.delivery.orders} packed orders to deliver today, couriers "
        f"{', '.join(result.delivery.couriers)} — plan the routes at /manager/delivery",
        "",
        "Logins (password: demo):",
        f"  {'login':<10}role",
    ]
    lines += [f"  {login:<10}{login}" for login in result.users]
    lines += [f"  {login:<10}courier" for login in result.delivery.couriers if login not in result.users
              and login not in result.skipped_users]
    lines += [f"  {login:<10}{login:<10}already existed: left as it was (password unchanged)"
              for login in result.skipped_users]
    return "\n".join(lines)
