"""Small helpers shared by the platform mappings."""

from __future__ import annotations

from decimal import Decimal

from server.domain.crm.normalise import normalise_email, normalise_phone
from server.domain.orders.dto import CustomerInput
from server.errors import ValidationFailed


def text(value: object, limit: int) -> str:
    """A JSON scalar as trimmed text (None → ""), NUL characters dropped, cut to `limit`."""
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    return str(value).replace("\x00", "").strip()[:limit]


def whole(value: object) -> int:
    """A JSON quantity as int (2, "2", 2.0 parsed as Decimal); anything else 0 (intake refuses it)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return 0
    except ValueError:
        return 0
    return int(number) if number.is_finite() and number == number.to_integral_value() else 0


def address_text(*parts: object) -> str:
    return ", ".join(p for p in (text(x, 200) for x in parts) if p)[:500]


def comment_text(notes: list[tuple[str, str]]) -> str:
    """"label: value" lines for the values that are there."""
    return "\n".join(f"{label}: {value}" for label, value in notes if value)[:2000]


def lenient_customer(customer: CustomerInput, notes: list[tuple[str, str]]) -> CustomerInput:
    """A shop already took the order: an e-mail or phone our checks refuse must not lose it. Such a
    value moves to the comment notes and the field is left empty."""
    for key, label, check in (("email", "E-mail", normalise_email), ("phone", "Телефон", normalise_phone)):
        value = getattr(customer, key)
        try:
            check(value)
        except ValidationFailed:
            notes.append((label, value))
            setattr(customer, key, "")
    return customer
