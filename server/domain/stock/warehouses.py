"""Warehouses and bins. (Contract stub.)"""

from __future__ import annotations


async def create_warehouse(code: str, name: str, *, address: str = "", allow_negative: bool = False,
                           actor: str = "system") -> int:
    raise NotImplementedError


async def create_bin(warehouse_id: int, zone: str, rack: str = "", shelf: str = "", cell: str = "",
                     pick_seq: int | None = None) -> int:
    """address = "-".join of non-empty parts, e.g. "A-01-02-03"; unique per warehouse."""
    raise NotImplementedError


async def list_warehouses() -> list[dict]:
    """[{"id","code","name","address","allow_negative","active"}] ordered by code."""
    raise NotImplementedError


async def list_bins(warehouse_id: int) -> list[dict]:
    """[{"id","address","zone","rack","shelf","cell","pick_seq"}] ordered by pick_seq."""
    raise NotImplementedError
