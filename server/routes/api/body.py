"""Checking a JSON request body against its msgspec type and reporting EVERY problem at once.

msgspec (and so Litestar) stops at the first wrong value; an integration wants the whole list. This
hook runs on every API handler that takes `data`, after the access guard and before Litestar parses
the body: it decodes the JSON with numbers as exact Decimals (a price of 0.1 + 0.2 is never rounded
into 0.30), walks the expected type field by field, and raises one ValidationException listing every
missing, unknown or mistyped field and every money amount that is not roubles with at most two
decimals, and every text with a NUL character (PostgreSQL cannot store one). Types are checked strictly:
"1" is not a quantity. Nothing here knows a business rule.
"""

from __future__ import annotations

import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, get_args, get_origin

import msgspec
from litestar import Request
from litestar.exceptions import ClientException, ValidationException

MAX_ROUBLES = Decimal(10) ** 11  # matches common.MAX_KOPECKS
MAX_PROBLEMS = 100
MONEY_MESSAGE = "Invalid money amount"  # problems.py turns it into a sentence in the user's language
EMPTY_BODY_MESSAGE = "Empty request body"
NUL_MESSAGE = "Contains a NUL character"  # PostgreSQL cannot store it; refused everywhere alike

_DECODER = msgspec.json.Decoder(float_hook=Decimal)

Found = list[dict[str, str | None]]  # [{"key": "lines[0].qty", "message": "Expected `int`, got `str`"}]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in ((bool, "bool"), (int, "int"), (Decimal, "decimal"), (float, "float"), (str, "str"),
                       (dict, "object"), (list, "array")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _join(path: str | None, part: str) -> str:
    if part.startswith("["):
        return f"{path or ''}{part}"
    return f"{path}.{part}" if path else part


def _unwrap(tp: Any) -> tuple[Any, list[Any], bool]:
    """(the type without Annotated and None, its Meta constraints, whether null is allowed)."""
    metas: list[Any] = []
    while get_origin(tp) is Annotated:
        tp, *extra = get_args(tp)
        metas.extend(extra)
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = get_args(tp)
        real = [a for a in args if a is not type(None)]
        nullable = len(real) < len(args)
        if len(real) == 1:
            inner, inner_metas, _ = _unwrap(real[0])
            return inner, metas + inner_metas, nullable
        return tp, metas, nullable
    return tp, metas, False


def _with_metas(tp: Any, metas: list[Any]) -> Any:
    return Annotated[(tp, *metas)] if metas else tp


def _leaf(tp: Any, value: Any, path: str | None, found: Found) -> bool:
    try:
        msgspec.convert(value, tp, strict=True)
    except msgspec.ValidationError as exc:
        message, _sep, where = str(exc).partition(" - at `$")
        found.append({"key": _join(path, where.rstrip("`")) if where else path, "message": message})
        return False
    return True


def _money(value: Any, path: str | None, found: Found) -> None:
    try:
        amount = Decimal(value) if isinstance(value, (str, int, Decimal)) else None
        exact = (amount is not None and amount.is_finite() and abs(amount) < MAX_ROUBLES
                 and amount == amount.quantize(Decimal("0.01")))
    except (InvalidOperation, ArithmeticError):
        exact = False
    if not exact:
        found.append({"key": path, "message": MONEY_MESSAGE})


def _struct(cls: type[msgspec.Struct], value: Any, path: str | None, found: Found) -> None:
    if not isinstance(value, dict):
        found.append({"key": path, "message": f"Expected `object`, got `{_json_type(value)}`"})
        return
    fields = msgspec.structs.fields(cls)
    names = {f.encode_name for f in fields}
    if cls.__struct_config__.forbid_unknown_fields:
        for key in value:
            if key not in names:
                found.append({"key": path, "message": f"Object contains unknown field `{key}`"})
    for f in fields:
        if f.encode_name in value:
            check(f.type, value[f.encode_name], _join(path, f.encode_name), found)
        elif f.required:
            found.append({"key": path, "message": f"Object missing required field `{f.encode_name}`"})


def check(tp: Any, value: Any, path: str | None, found: Found) -> None:
    """Appends every problem of `value` (decoded JSON) as the type `tp` to `found`."""
    if len(found) >= MAX_PROBLEMS:
        return
    if isinstance(value, str) and "\x00" in value:
        found.append({"key": path, "message": NUL_MESSAGE})
        return
    base, metas, nullable = _unwrap(tp)
    if value is None and nullable:
        return
    origin = get_origin(base)
    if isinstance(base, type) and issubclass(base, msgspec.Struct):
        _struct(base, value, path, found)
    elif origin is list:
        if _leaf(_with_metas(list[Any], metas), value, path, found):
            (item,) = get_args(base)
            for n, element in enumerate(value):
                check(item, element, _join(path, f"[{n}]"), found)
    elif origin is dict:
        if _leaf(_with_metas(dict[str, Any], metas), value, path, found):
            _key, item = get_args(base)
            for key, element in value.items():
                if "\x00" in key:
                    found.append({"key": path, "message": NUL_MESSAGE})
                check(item, element, _join(path, key), found)
    elif base is Decimal:
        if _leaf(_with_metas(base, metas), value, path, found):
            _money(value, path, found)
    else:
        _leaf(_with_metas(base, metas), value, path, found)


async def check_body(request: Request[Any, Any, Any]) -> None:
    """before_request hook: refuses a body that is not JSON (400) or does not fit the handler's `data`
    type (400 with every problem listed); lets a good body through to Litestar's own parsing."""
    field = request.route_handler.parsed_data_field
    if field is None:
        return
    raw = await request.body()
    if not raw.strip():
        raise ValidationException(extra=[{"key": None, "message": EMPTY_BODY_MESSAGE}])
    try:
        value = _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ClientException(detail=str(exc)) from exc
    found: Found = []
    check(field.annotation, value, None, found)
    if found:
        raise ValidationException(extra=found)
