"""Writing checked variants, and turning a lost race on a unique index into a clear Conflict. Internal.

Two transactions that both pass the checks and insert the same SKU or barcode cannot both commit:
the unique indexes refuse the second (on SQLite the IMMEDIATE transaction already serialises them,
so the checks catch it). The loser's transaction rolls back; we then read what is taken now and
raise the same Conflict the checks would have raised.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from server.domain.catalog._sku import skus_taken
from server.domain.catalog._validate import CheckedVariant, at
from server.domain.catalog.barcodes import barcodes_taken, generate_internal_ean13
from server.domain.catalog.search import search_text_for
from server.domain.catalog.tables import Barcode, Price, Variant
from server.errors import Conflict, DomainError

try:  # asyncpg is installed with piccolo[postgres]; SQLite-only installs may lack it
    from asyncpg.exceptions import DeadlockDetectedError, SerializationError, UniqueViolationError
    _PG_RACES: tuple[type[BaseException], ...] = (UniqueViolationError, DeadlockDetectedError, SerializationError)
except ImportError:  # pragma: no cover
    _PG_RACES = ()


@dataclass
class Attempt:
    """What a write tried to claim, to explain a lost race afterwards."""

    skus: list[tuple[str, str]] = field(default_factory=list)  # (field, sku)
    codes: list[tuple[str, str]] = field(default_factory=list)  # (field, code)

    @classmethod
    def of(cls, variants: list[CheckedVariant]) -> Attempt:
        """Every SKU and barcode the request gives (generated ones are added as they are made)."""
        attempt = cls()
        for v in variants:
            if v.sku:
                attempt.skus.append((at(v.prefix, "sku"), v.sku))
            for (code, _kind, _mult), where in zip(v.barcodes, v.barcode_fields, strict=True):
                attempt.codes.append((where, code))
        return attempt


def is_race(exc: BaseException) -> bool:
    """A unique-index violation (or a deadlock/serialisation failure) from either database."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc).upper()
    return bool(_PG_RACES) and isinstance(exc, _PG_RACES)


async def explain_race(attempt: Attempt, nested: bool) -> DomainError:
    """The Conflict for a lost race: the same messages as the checks, naming who has the SKU or barcode."""
    generic = Conflict("Someone saved the same SKU or barcode at the same moment; nothing was saved. "
                       "Check and try again")
    if nested:  # the caller's transaction is aborted: nothing more can be read in it
        return generic
    problems: list[DomainError] = []
    taken_skus = await skus_taken([sku for _f, sku in attempt.skus])
    for where, sku in attempt.skus:
        hit = taken_skus.get(sku.lower())
        if hit:
            problems.append(Conflict("SKU %(sku)s is already used by %(product)s", field=where, sku=hit["sku"],
                                     product=hit["product"]))
    taken_codes = await barcodes_taken([code for _f, code in attempt.codes])
    for where, code in attempt.codes:
        if code in taken_codes:
            problems.append(Conflict("Barcode %(code)s already belongs to %(sku)s", field=where, code=code,
                                     sku=taken_codes[code]))
    if len(problems) == 1:
        return problems[0]
    if problems:
        return Conflict("The product has %(count)s errors", problems=problems, count=len(problems))
    return generic


async def write_variant(product_id: int, product_name: str, v: CheckedVariant, sku: str,
                        type_ids: dict[str, int], attempt: Attempt) -> dict:
    """Inserts the variant, its barcodes (plus an in-store EAN-13 when asked) and prices; returns what
    the audit row records about it."""
    if not v.sku:
        attempt.skus.append((at(v.prefix, "sku"), sku))
    row = Variant(product=product_id, sku=sku, name=v.name, characteristics=v.characteristics,
                  search_text=search_text_for(product_name, v.name, sku))
    await row.save()
    codes = list(v.barcodes)
    if codes:
        await Barcode.insert(*[Barcode(variant=row.id, code=c, kind=k, multiplier=m) for c, k, m in codes])
    if v.generate_barcode:
        code = await generate_internal_ean13()
        attempt.codes.append((at(v.prefix, "generate_barcode"), code))
        await Barcode.insert(Barcode(variant=row.id, code=code, kind="ean13", multiplier=1))
        codes.append((code, "ean13", 1))
    if v.prices:
        await Price.insert(*[Price(variant=row.id, price_type=type_ids[code], amount=amount)
                             for code, amount in v.prices.items()])
    return {"id": row.id, "sku": sku, "name": v.name, "characteristics": v.characteristics,
            "barcodes": [{"code": c, "kind": k, "multiplier": m} for c, k, m in codes], "prices": dict(v.prices)}
