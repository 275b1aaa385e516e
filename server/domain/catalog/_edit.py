"""Changing a product's facts and its typed properties together (the manager's edit form). Internal
(see products.py)."""

from __future__ import annotations

from typing import Any

from server.db import write_tx
from server.domain.catalog._update import update_product
from server.domain.catalog._validate import raise_all
from server.domain.catalog.properties import set_product_properties
from server.errors import DomainError, NotFound


async def edit_product(product_id: int, changes: dict[str, Any], properties: dict[str, Any] | None = None, *,
                       actor: str = "system") -> dict[str, list]:
    """update_product(changes) and set_product_properties(properties) in one transaction: every
    problem of both is reported at once and nothing is written on any of them. Returns {field: [old,
    new]} of what changed (properties as "properties.<code>"); their audit rows as those functions write them."""
    problems: list[DomainError] = []
    diff: dict[str, list] = {}
    async with write_tx():
        try:
            diff.update(await update_product(product_id, changes, actor=actor))
        except NotFound:
            raise
        except DomainError as exc:
            problems.extend(exc.problems or [exc])
        if properties:
            try:
                changed = await set_product_properties(product_id, properties, actor=actor)
                diff.update({f"properties.{code}": values for code, values in changed.items()})
            except NotFound:
                raise
            except DomainError as exc:
                problems.extend(exc.problems or [exc])
        raise_all(problems)  # rolls back what the other part wrote
    return diff
