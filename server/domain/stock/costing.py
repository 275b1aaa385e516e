"""Moving-average cost, per variant and warehouse, in integer kopecks.

A balance carries `on_hand` units worth `value` kopecks. Goods coming in add their cost; goods going
out take `value * qty / on_hand` rounded half up, and the last unit takes whatever is left, so the
value is exactly zero when the stock is. Pure functions: no database here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def share(value: int, qty: int, on_hand: int) -> int:
    """`value * qty / on_hand` rounded half up (0 when there is nothing on hand to average over)."""
    if on_hand <= 0 or qty == 0:
        return 0
    exact = Decimal(value) * Decimal(qty) / Decimal(on_hand)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def outgoing_cost(value: int, on_hand: int, qty: int) -> int:
    """The cost (positive kopecks) of `qty` units leaving a balance of `on_hand` units worth `value`."""
    if qty <= 0 or on_hand <= 0:
        return 0
    if qty == on_hand:
        return value  # the last unit takes the remainder
    return share(value, qty, on_hand)


def reversal_cost(value: int, on_hand: int, qty: int, original: int) -> int:
    """The cost taken back when `qty` units that came in at `original` kopecks leave again.

    Normally exactly the original cost, so unposting restores the balance. It never takes more than
    the stock is worth now (which would leave a negative value), and it empties the value when it
    empties the stock."""
    if qty == on_hand:
        return value
    return max(0, min(original, value))


def average_unit_cost(value: int, on_hand: int) -> Decimal | None:
    if on_hand <= 0:
        return None
    return Decimal(value) / Decimal(on_hand)
