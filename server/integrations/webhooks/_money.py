"""Money from platform JSON, exactly: strings (and integers) → Decimal → kopecks; never float. Internal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from server.errors import ValidationFailed


def kopecks(value: object, field: str) -> int:
    """"12.00" → 1200, "0.9" → 90, 3 → 300, None/"" → 0. Amounts with more than two decimals (tax
    shares) are rounded half up to the kopeck. Parse the JSON with parse_float=Decimal: a float here
    is refused."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationFailed("The amount %(value)s in the webhook is not a decimal number", field=field,
                               value=str(value)[:30])
    try:
        amount = Decimal(value if isinstance(value, (int, Decimal)) else str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("The amount %(value)s in the webhook is not a decimal number", field=field,
                               value=str(value)[:30]) from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 13:
        raise ValidationFailed("The amount %(value)s in the webhook is not a decimal number", field=field,
                               value=str(value)[:30])
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spread(total: int, weights: list[int]) -> list[int]:
    """Splits `total` kopecks over the weights in proportion (largest remainders; exact sum)."""
    if not weights:
        return []
    base = sum(max(w, 0) for w in weights)
    if base == 0:
        weights, base = [1] * len(weights), len(weights)
    shares = [total * max(w, 0) // base for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -(total * max(weights[i], 0) % base))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def unit_price(gross: int, net: int, qty: int) -> tuple[int, int]:
    """(unit price, line discount) so that price × qty − discount == net exactly: the unit price is
    gross / qty rounded up to the kopeck (the rounding becomes part of the discount)."""
    if qty <= 0:
        return max(gross, 0), 0
    base = max(gross, net)
    price = -(-base // qty)
    return price, price * qty - net
