"""Typed product properties (for filters and analogue search): text, number, yes/no, choice.

Storage in ProductProperty: text and choice → value_text; numbers → value_number scaled by 1000
(exact, at most 3 decimals, no floats); yes/no → value_number 1 or 0.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.catalog.tables import PROPERTY_KINDS, Product, ProductProperty, Property
from server.domain.sync.log import cards_changed
from server.errors import Conflict, DomainError, NotFound, ValidationFailed

SCALE = 1000
MAX_NUMBER = Decimal(10) ** 12  # before scaling; keeps value_number well inside BigInt
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_TRUE = {"true", "yes", "1", "да", "y", "on"}
_FALSE = {"false", "no", "0", "нет", "n", "off"}


def _clean_choices(choices: list[str] | None, kind: str) -> tuple[list[str], DomainError | None]:
    cleaned: list[str] = []
    for choice in choices or []:
        text = " ".join(str(choice).split()) if isinstance(choice, str) else ""
        if not text or len(text) > 100:
            return [], ValidationFailed("Each choice must be 1 to 100 characters long", field="choices")
        if text.casefold() in {c.casefold() for c in cleaned}:
            return [], ValidationFailed("Choice %(choice)s is listed twice", field="choices", choice=text)
        cleaned.append(text)
    if kind == "choice" and not cleaned:
        return [], ValidationFailed("A choice property needs at least one choice", field="choices")
    if kind != "choice" and cleaned:
        return [], ValidationFailed("Only a choice property has a list of choices", field="choices")
    return cleaned, None


async def define_property(code: str, name: str, kind: str = "text", unit: str = "",
                          choices: list[str] | None = None, *, actor: str = "system") -> int:
    """A new property, e.g. define_property("roast", "Обжарка", "choice", choices=["светлая", "тёмная"])."""
    code, name, unit = (code or "").strip(), " ".join((name or "").split()), (unit or "").strip()
    problems: list[DomainError] = []
    if not _CODE.match(code):
        problems.append(ValidationFailed("A property code is 1 to 64 lower-case Latin letters, digits or "
                                         "underscores, starting with a letter", field="code"))
    if not name or len(name) > 200:
        problems.append(ValidationFailed("The property name must be 1 to 200 characters long", field="name"))
    if kind not in PROPERTY_KINDS:
        problems.append(ValidationFailed("Unknown property kind %(kind)s: use text, number, bool or choice",
                                         field="kind", kind=kind))
    if len(unit) > 16:
        problems.append(ValidationFailed("The unit must be at most 16 characters long", field="unit"))
    cleaned, problem = _clean_choices(choices, kind)
    if problem is not None:
        problems.append(problem)
    if len(problems) > 1:
        raise ValidationFailed("The property has %(count)s errors", problems=problems, count=len(problems))
    if problems:
        raise problems[0]
    async with write_tx():
        if await Property.exists().where(Property.code == code):
            raise Conflict("Property %(code)s already exists", field="code", code=code)
        row = Property(code=code, name=name, kind=kind, unit=unit, choices=cleaned)
        await row.save()
        await record(actor, "property.create", "property", row.id,
                     {"code": code, "name": name, "kind": kind, "unit": unit, "choices": cleaned})
    return row.id


async def update_property(code: str, *, name: str | None = None, unit: str | None = None,
                          choices: list[str] | None = None, actor: str = "system") -> None:
    """Renames, changes the unit or the list of choices (a choice still in use cannot be removed).
    The kind never changes: stored values would stop making sense."""
    async with write_tx():
        row = (await load_properties([code])).get(code)
        if row is None:
            raise NotFound("Unknown property %(code)s", field="code", code=code)
        changes: dict[str, list] = {}
        if name is not None:
            name = " ".join(name.split())
            if not name or len(name) > 200:
                raise ValidationFailed("The property name must be 1 to 200 characters long", field="name")
            changes["name"] = [row["name"], name]
        if unit is not None:
            if len(unit.strip()) > 16:
                raise ValidationFailed("The unit must be at most 16 characters long", field="unit")
            changes["unit"] = [row["unit"], unit.strip()]
        if choices is not None:
            cleaned, problem = _clean_choices(choices, row["kind"])
            if problem is not None:
                raise problem
            await _check_choices_in_use(row, cleaned)
            changes["choices"] = [row["choices"], cleaned]
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        if not changes:
            return
        await Property.update({getattr(Property, k): v[1] for k, v in changes.items()}).where(
            Property.id == row["id"])
        await record(actor, "property.update", "property", row["id"], changes)


async def _check_choices_in_use(row: dict, cleaned: list[str]) -> None:
    removed = [c for c in row["choices"] if c not in cleaned]
    if not removed:
        return
    used = await ProductProperty.select(ProductProperty.value_text).where(
        ProductProperty.prop == row["id"]).where(ProductProperty.value_text.is_in(removed))
    if used:
        raise Conflict("Choice %(choice)s is used by products and cannot be removed", field="choices",
                       choice=used[0]["value_text"])


async def list_properties() -> list[dict]:
    """[{"id", "code", "name", "kind", "unit", "choices"}] by name."""
    rows = await Property.select().order_by(Property.name).output(load_json=True)
    return [dict(r) for r in rows]


async def load_properties(codes: list[str]) -> dict[str, dict]:
    if not codes:
        return {}
    rows = await Property.select().where(Property.code.is_in(sorted(set(codes)))).output(load_json=True)
    return {r["code"]: dict(r) for r in rows}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite() or abs(number) >= MAX_NUMBER or (number * SCALE) % 1 != 0:
        return None
    return number


def encode_value(prop: dict, value: Any, field: str) -> tuple[str, int | None]:
    """(value_text, value_number) for a value of the property's kind; a clear ValidationFailed if not."""
    kind, name = prop["kind"], prop["name"]
    if kind == "number":
        number = _number(value)
        if number is None:
            raise ValidationFailed("%(name)s: enter a number with at most 3 decimals", field=field, name=name)
        return "", int(number * SCALE)
    if kind == "bool":
        if isinstance(value, bool):
            return "", int(value)
        text = str(value).strip().casefold() if isinstance(value, (str, int)) else ""
        if text in _TRUE or text in _FALSE:
            return "", int(text in _TRUE)
        raise ValidationFailed("%(name)s: enter yes or no", field=field, name=name)
    text = " ".join(value.split()) if isinstance(value, str) else (
        str(value) if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else "")
    if kind == "choice":
        for choice in prop["choices"]:
            if choice.casefold() == text.casefold():
                return choice, None
        raise ValidationFailed("%(name)s: choose one of %(choices)s", field=field, name=name,
                               choices=", ".join(prop["choices"]))
    if not text or len(text) > 300:
        raise ValidationFailed("%(name)s: enter text up to 300 characters", field=field, name=name)
    return text, None


def decode_value(kind: str, value_text: str, value_number: int | None) -> Any:
    """The typed value: str for text and choice, bool, int or float for numbers."""
    if kind == "bool":
        return bool(value_number)
    if kind == "number":
        if value_number is None:
            return None
        if value_number % SCALE == 0:
            return value_number // SCALE
        return float(Decimal(value_number) / SCALE)
    return value_text


def check_values(props: dict[str, dict], values: dict[str, Any], prefix: str = "properties"
                 ) -> tuple[dict[str, tuple[str, int | None]], list[DomainError]]:
    """Encodes every value; returns ({code: (text, number)}, problems). None/"" values are left out."""
    encoded: dict[str, tuple[str, int | None]] = {}
    problems: list[DomainError] = []
    for code, value in values.items():
        field = f"{prefix}.{code}"
        prop = props.get(code)
        if prop is None:
            problems.append(ValidationFailed("Unknown property %(code)s", field=field, code=code))
        elif value is None or (isinstance(value, str) and not value.strip()):
            continue
        else:
            try:
                encoded[code] = encode_value(prop, value, field)
            except ValidationFailed as exc:
                problems.append(exc)
    return encoded, problems


async def product_properties(product_id: int) -> list[dict]:
    """[{"code", "name", "kind", "unit", "value"}] by property name, values typed."""
    rows = await ProductProperty.select(
        ProductProperty.value_text, ProductProperty.value_number, ProductProperty.prop.code.as_alias("code"),
        ProductProperty.prop.name.as_alias("name"), ProductProperty.prop.kind.as_alias("kind"),
        ProductProperty.prop.unit.as_alias("unit")).where(ProductProperty.product == product_id)
    out = [{"code": r["code"], "name": r["name"], "kind": r["kind"], "unit": r["unit"],
            "value": decode_value(r["kind"], r["value_text"], r["value_number"])} for r in rows]
    return sorted(out, key=lambda p: (p["name"].casefold(), p["code"]))


async def set_product_properties(product_id: int, values: dict[str, Any], *, actor: str = "system"
                                 ) -> dict[str, list]:
    """Sets the given properties of a product (None or "" removes one); others stay. Returns
    {code: [old, new]} of what changed; one audit row."""
    async with write_tx():
        if not await Product.exists().where(Product.id == product_id):
            raise NotFound("Unknown product %(id)s", field="product_id", id=product_id)
        props = await load_properties(list(values))
        encoded, problems = check_values(props, values)
        if len(problems) > 1:
            raise ValidationFailed("The product has %(count)s errors", problems=problems, count=len(problems))
        if problems:
            raise problems[0]
        before = {p["code"]: p["value"] for p in await product_properties(product_id)}
        for code in values:
            await ProductProperty.delete().where(ProductProperty.product == product_id).where(
                ProductProperty.prop == props[code]["id"])
            if code in encoded:
                text, number = encoded[code]
                await ProductProperty.insert(ProductProperty(product=product_id, prop=props[code]["id"],
                                                             value_text=text, value_number=number))
        after = {p["code"]: p["value"] for p in await product_properties(product_id)}
        changes = {code: [before.get(code), after.get(code)] for code in values
                   if before.get(code) != after.get(code)}
        if changes:
            await Product.update({Product.updated_at: datetime.now(UTC)}).where(Product.id == product_id)
            await cards_changed([product_id])
            await record(actor, "product.properties", "product", product_id, changes)
    return changes
