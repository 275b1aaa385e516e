"""Price types and prices (kopecks). (Contract stub.)"""

from __future__ import annotations


async def ensure_default_price_types() -> None:
    """retail «Розничная», wholesale «Оптовая», purchase «Закупочная» — idempotent."""
    raise NotImplementedError


async def set_price(variant_id: int, price_type_code: str, amount: int, *, actor: str = "system") -> None:
    """Upsert; audit row with old and new amount; negative amounts refused."""
    raise NotImplementedError
