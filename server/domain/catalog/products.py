"""Products and variants: create, change, archive, barcodes, and the product card.

Every write checks everything first and reports all problems at once (each with its `field`, e.g.
`variants[1].barcodes[0].code`): shape problems as ValidationFailed (422), a SKU or barcode already
in the catalog as Conflict (409), naming who has it. Then one write_tx() writes the rows and one
audit row; nothing is written on any error. Two concurrent writes of the same SKU or barcode cannot
both succeed (unique indexes); the loser gets the same Conflict, never a 500.

The implementations live in _create.py, _update.py, _edit.py, _variants.py and card.py; this module is the
public face that routes and other domains import.
"""

from __future__ import annotations

from server.domain.catalog._create import add_variant, create_product
from server.domain.catalog._edit import edit_product
from server.domain.catalog._update import update_product
from server.domain.catalog._variants import (
    add_barcode,
    archive_variant,
    remove_barcode,
    update_variant,
)
from server.domain.catalog.card import get_product_card

__all__ = [
    "add_barcode",
    "add_variant",
    "archive_variant",
    "create_product",
    "edit_product",
    "get_product_card",
    "remove_barcode",
    "update_product",
    "update_variant",
]
