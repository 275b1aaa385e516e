"""Price types and prices (integer kopecks).

Every variant has at most one price per price type. The default types (retail, wholesale, purchase)
are seeded on first use. Changing a price writes an audit row with the old and the new amount.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from server.db import is_sqlite, write_tx
from server.domain.audit.log import record
from server.domain.catalog.tables import Price, PriceType, Variant
from server.domain.sync.log import prices_changed
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

DEFAULT_PRICE_TYPES = (("retail", "Розничная", 10), ("wholesale", "Оптовая", 20), ("purchase", "Закупочная", 30))
MAX_AMOUNT = 10**13 - 1  # kopecks: 100 billion roubles, far beyond any price, well inside BigInt
PRICE_LOCK = 7303  # pg_advisory_xact_lock(key, variant): one price writer per variant
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def amount_problem(amount: object, field: str) -> DomainError | None:
    """A clear error for an amount that is not whole kopecks from 0 to MAX_AMOUNT, else None."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        return ValidationFailed("A price must be a whole number of kopecks", field=field)
    if amount < 0:
        return ValidationFailed("A price cannot be negative", field=field)
    if amount > MAX_AMOUNT:
        return ValidationFailed("A price must be at most %(max)s kopecks", field=field, max=MAX_AMOUNT)
    return None


async def ensure_default_price_types() -> None:
    """retail «Розничная», wholesale «Оптовая», purchase «Закупочная» — idempotent, safe concurrently."""
    codes = [code for code, _name, _sort in DEFAULT_PRICE_TYPES]
    have = {r["code"] for r in await PriceType.select(PriceType.code).where(PriceType.code.is_in(codes))}
    if len(have) == len(codes):
        return
    async with write_tx():
        for code, name, sort in DEFAULT_PRICE_TYPES:
            if code not in have:
                await PriceType.raw("INSERT INTO price_type (code, name, sort) VALUES ({}, {}, {}) "
                                    "ON CONFLICT (code) DO NOTHING", code, name, sort)


async def create_price_type(code: str, name: str, *, sort: int | None = None, actor: str = "system") -> int:
    """A new price type (e.g. "marketplace" «Маркетплейс»); codes are lower-case Latin, unique."""
    code, name = (code or "").strip(), (name or "").strip()
    problems: list[DomainError] = []
    if not _CODE.match(code):
        problems.append(ValidationFailed("A price type code is 1 to 32 lower-case Latin letters, digits or "
                                         "underscores, starting with a letter", field="code"))
    if not name or len(name) > 100:
        problems.append(ValidationFailed("The price type name must be 1 to 100 characters long", field="name"))
    if len(problems) > 1:
        raise ValidationFailed("The price type has %(count)s errors", problems=problems, count=len(problems))
    if problems:
        raise problems[0]
    async with write_tx():
        await ensure_default_price_types()
        if await PriceType.exists().where(PriceType.code == code):
            raise Conflict("Price type %(code)s already exists", field="code", code=code)
        if sort is None:
            rows = await PriceType.raw("SELECT COALESCE(MAX(sort), 0) AS s FROM price_type")
            sort = int(rows[0]["s"]) + 10
        row = PriceType(code=code, name=name, sort=int(sort))
        await row.save()
        await record(actor, "price_type.create", "price_type", row.id, {"code": code, "name": name})
    return row.id


async def list_price_types() -> list[dict]:
    """[{"id", "code", "name", "sort"}] in display order."""
    await ensure_default_price_types()
    return await PriceType.select(PriceType.id, PriceType.code, PriceType.name, PriceType.sort).order_by(
        PriceType.sort).order_by(PriceType.id)


async def price_type_ids(codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = await PriceType.select(PriceType.id, PriceType.code).where(PriceType.code.is_in(sorted(set(codes))))
    return {r["code"]: r["id"] for r in rows}


async def get_prices(variant_ids: list[int]) -> dict[int, dict[str, int]]:
    """{variant_id: {price type code: kopecks}}; variants without prices are left out."""
    ids = sorted({int(v) for v in variant_ids})
    if not ids:
        return {}
    rows = await Price.select(Price.variant, Price.amount, Price.price_type.code.as_alias("code")).where(
        Price.variant.is_in(ids))
    found: dict[int, dict[str, int]] = {}
    for r in rows:
        found.setdefault(r["variant"], {})[r["code"]] = int(r["amount"])
    return found


async def _sku_and_type(variant_id: int, price_type_code: str) -> tuple[str, int]:
    variant = await Variant.select(Variant.sku).where(Variant.id == variant_id).first()
    if variant is None:
        raise NotFound("Unknown product variant %(variant_id)s", field="variant_id", variant_id=variant_id)
    await ensure_default_price_types()
    type_id = (await price_type_ids([price_type_code])).get(price_type_code)
    if type_id is None:
        raise ValidationFailed("Unknown price type %(code)s", field="price_type", code=price_type_code)
    return variant["sku"], type_id


async def set_price(variant_id: int, price_type_code: str, amount: int, *, actor: str = "system") -> None:
    """Upsert; audit row with old and new amount; negative amounts refused. An unchanged price writes
    nothing."""
    problem = amount_problem(amount, "amount")
    if problem is not None:
        raise problem
    async with write_tx():
        sku, type_id = await _sku_and_type(variant_id, price_type_code)
        if not is_sqlite():
            await Price.raw("SELECT pg_advisory_xact_lock({}, {})", PRICE_LOCK, int(variant_id))
        row = await Price.select(Price.id, Price.amount).where(Price.variant == variant_id).where(
            Price.price_type == type_id).first()
        old = int(row["amount"]) if row else None
        if old == amount:
            return
        if row is None:
            await Price.insert(Price(variant=variant_id, price_type=type_id, amount=amount))
        else:
            await Price.update({Price.amount: amount, Price.updated_at: datetime.now(UTC)}).where(
                Price.id == row["id"])
        await prices_changed([variant_id])
        await record(actor, "price.set", "variant", variant_id,
                     {"sku": sku, "price_type": price_type_code, "amount": [old, amount]})


async def remove_price(variant_id: int, price_type_code: str, *, actor: str = "system") -> bool:
    """Clears a variant's price of one type; False when there was none."""
    async with write_tx():
        sku, type_id = await _sku_and_type(variant_id, price_type_code)
        row = await Price.select(Price.id, Price.amount).where(Price.variant == variant_id).where(
            Price.price_type == type_id).first()
        if row is None:
            return False
        await Price.delete().where(Price.id == row["id"])
        await prices_changed([variant_id])
        await record(actor, "price.remove", "variant", variant_id,
                     {"sku": sku, "price_type": price_type_code, "amount": [int(row["amount"]), None]})
    return True
