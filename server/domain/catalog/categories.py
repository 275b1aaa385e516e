"""The category tree: create, list with paths, rename, move (never inside itself), delete when empty."""

from __future__ import annotations

from server.db import write_tx
from server.domain.audit.log import record
from server.domain.catalog.tables import Category, Product
from server.errors import Conflict, NotFound, ValidationFailed

PATH_SEPARATOR = " / "
MAX_DEPTH = 20


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValidationFailed("The category name must be 1 to 200 characters long", field="name")
    return name


async def _all() -> dict[int, dict]:
    rows = await Category.select(Category.id, Category.name, Category.parent, Category.sort)
    return {r["id"]: r for r in rows}


def _ancestors(categories: dict[int, dict], category_id: int) -> list[dict]:
    """Root first, the category itself last; stops on a cycle rather than looping."""
    chain: list[dict] = []
    seen: set[int] = set()
    current = categories.get(category_id)
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        chain.append(current)
        current = categories.get(current["parent"]) if current["parent"] is not None else None
    return list(reversed(chain))


async def _check_parent(parent_id: int | None) -> None:
    if parent_id is not None and not await Category.exists().where(Category.id == parent_id):
        raise ValidationFailed("Unknown category %(id)s", field="parent_id", id=parent_id)


async def _check_sibling_name(name: str, parent_id: int | None, exclude_id: int | None = None) -> None:
    query = Category.select(Category.id, Category.name)
    query = query.where(Category.parent.is_null()) if parent_id is None else query.where(
        Category.parent == parent_id)
    for row in await query:
        if row["id"] != exclude_id and row["name"].casefold() == name.casefold():
            raise Conflict("A category named %(name)s already exists here", field="name", name=row["name"])


async def create_category(name: str, parent_id: int | None = None, *, sort: int = 0,
                          actor: str = "system") -> int:
    name = _clean_name(name)
    async with write_tx():
        await _check_parent(parent_id)
        if parent_id is not None and len(_ancestors(await _all(), parent_id)) >= MAX_DEPTH:
            raise ValidationFailed("Categories can be nested at most %(max)s levels deep", field="parent_id",
                                   max=MAX_DEPTH)
        await _check_sibling_name(name, parent_id)
        row = Category(name=name, parent=parent_id, sort=int(sort))
        await row.save()
        await record(actor, "category.create", "category", row.id, {"name": name, "parent_id": parent_id})
    return row.id


async def list_categories() -> list[dict]:
    """The whole tree depth-first, siblings by sort then name: [{"id", "name", "parent_id", "sort",
    "depth", "path" ("Кофе / Зерно"), "path_ids"}]."""
    categories = await _all()
    children: dict[int | None, list[dict]] = {}
    for row in categories.values():
        parent = row["parent"] if row["parent"] in categories else None
        children.setdefault(parent, []).append(row)
    out: list[dict] = []

    def walk(parent: int | None, trail: list[dict]) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: (r["sort"], r["name"].casefold(), r["id"])):
            if any(t["id"] == row["id"] for t in trail):
                continue
            path = [*trail, row]
            out.append({"id": row["id"], "name": row["name"], "parent_id": row["parent"], "sort": row["sort"],
                        "depth": len(trail), "path": PATH_SEPARATOR.join(r["name"] for r in path),
                        "path_ids": [r["id"] for r in path]})
            walk(row["id"], path)

    walk(None, [])
    return out


async def category_path(category_id: int | None) -> list[dict]:
    """[{"id", "name"}] from the root down to the category; [] for None or an unknown id."""
    if category_id is None:
        return []
    return [{"id": r["id"], "name": r["name"]} for r in _ancestors(await _all(), category_id)]


async def _get(category_id: int) -> dict:
    row = await Category.select().where(Category.id == category_id).first()
    if row is None:
        raise NotFound("Unknown category %(id)s", field="category_id", id=category_id)
    return row


async def rename_category(category_id: int, name: str, *, actor: str = "system") -> None:
    name = _clean_name(name)
    async with write_tx():
        row = await _get(category_id)
        if row["name"] == name:
            return
        await _check_sibling_name(name, row["parent"], exclude_id=category_id)
        await Category.update({Category.name: name}).where(Category.id == category_id)
        await record(actor, "category.rename", "category", category_id, {"name": [row["name"], name]})


async def move_category(category_id: int, parent_id: int | None, *, actor: str = "system") -> None:
    """Puts the category (with its subtree) under another parent, or at the top for None."""
    async with write_tx():
        row = await _get(category_id)
        if row["parent"] == parent_id:
            return
        await _check_parent(parent_id)
        categories = await _all()
        if parent_id is not None:
            chain = _ancestors(categories, parent_id)
            if any(c["id"] == category_id for c in chain):
                raise ValidationFailed("A category cannot be moved inside itself or its subcategories",
                                       field="parent_id")
            if len(chain) + _height(categories, category_id) > MAX_DEPTH:
                raise ValidationFailed("Categories can be nested at most %(max)s levels deep",
                                       field="parent_id", max=MAX_DEPTH)
        await _check_sibling_name(row["name"], parent_id, exclude_id=category_id)
        await Category.update({Category.parent: parent_id}).where(Category.id == category_id)
        await record(actor, "category.move", "category", category_id, {"parent_id": [row["parent"], parent_id]})


def _height(categories: dict[int, dict], category_id: int, depth: int = 0) -> int:
    """Levels in the subtree rooted at the category (1 for a leaf); capped, so bad data cannot loop."""
    if depth > MAX_DEPTH:
        return 1
    below = [c["id"] for c in categories.values() if c["parent"] == category_id and c["id"] != category_id]
    return 1 + max((_height(categories, c, depth + 1) for c in below), default=0)


async def delete_category(category_id: int, *, actor: str = "system") -> None:
    """Only an empty category: no subcategories and no products."""
    async with write_tx():
        row = await _get(category_id)
        if await Category.exists().where(Category.parent == category_id):
            raise Conflict("Category %(name)s has subcategories: move or delete them first", name=row["name"])
        if await Product.exists().where(Product.category == category_id):
            raise Conflict("Category %(name)s has products: move them to another category first",
                           name=row["name"])
        await Category.delete().where(Category.id == category_id)
        await record(actor, "category.delete", "category", category_id, {"name": row["name"]})
