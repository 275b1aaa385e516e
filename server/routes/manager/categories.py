"""The category tree: the whole tree with a form to add a category, and one category's page to
rename it, move it (with its subtree) under another parent, add a sub-category or delete it when it
is empty. For managers (and the owner)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.catalog.categories import (
    create_category,
    delete_category,
    list_categories,
    move_category,
    rename_category,
)
from server.errors import DomainError, NotFound
from server.routes.manager._common import (
    actor_of,
    error_flash,
    errors_by_field,
    flash,
    page,
    redirect,
    to_int,
)
from server.routes.manager._product_form import EDIT_ROLES
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect
TREE = "/manager/categories"


def _failed(context: dict[str, Any], form: str, error: DomainError) -> dict[str, Any]:
    return {**context, "failed": form, "errors": errors_by_field(error), "flash": error_flash(error)}


async def _tree(request: Request, *, parent: int | None = None, typed: str = "", error: DomainError | None = None
                ) -> Template:
    context: dict[str, Any] = {"categories": await list_categories(), "parent_id": parent, "typed": typed,
                               "failed": None, "errors": {}, "nav": "catalog", "title": _("Categories")}
    if error is None:
        return page(request, "manager/categories.html", context)
    return page(request, "manager/categories.html", _failed(context, "add", error), status_code=error.status_code)


async def _one(request: Request, category_id: int, *, failed: str | None = None, typed: dict | None = None,
               error: DomainError | None = None) -> Template:
    categories = await list_categories()
    category = next((c for c in categories if c["id"] == category_id), None)
    if category is None:
        raise NotFound("Unknown category %(id)s", field="category_id", id=category_id)
    context: dict[str, Any] = {
        "category": category, "categories": categories, "typed": typed or {}, "failed": None, "errors": {},
        "parents": [c for c in categories if category_id not in c["path_ids"]],  # never inside itself
        "children": [c for c in categories if c["parent_id"] == category_id], "nav": "catalog",
        "title": category["name"]}
    if error is None:
        return page(request, "manager/category.html", context)
    return page(request, "manager/category.html", _failed(context, failed or "", error), status_code=error.status_code)


class CategoriesController(Controller):
    path = TREE
    opt = {"roles": EDIT_ROLES}

    @get("/", name="manager-categories")
    async def tree(self, request: Request, parent: str = "") -> Template:
        return await _tree(request, parent=to_int(parent))

    @post("/")
    async def create(self, request: Request) -> Answer:
        """A new category (form: name, parent_id; empty parent = at the top). From a category's page
        (back=category) a failed add re-renders that page."""
        form = await request.form()
        name, parent = str(form.get("name") or "").strip()[:250], to_int(form.get("parent_id"))
        try:
            new_id = await create_category(name, parent, actor=actor_of(request))
        except DomainError as exc:
            if form.get("back") == "category" and parent is not None:
                return await _one(request, parent, failed="add", typed={"add": name}, error=exc)
            return await _tree(request, parent=parent, typed=name, error=exc)
        flash(request, _("Category «%(name)s» is added") % {"name": " ".join(name.split())})
        return redirect(request, f"{TREE}#category-{new_id}")

    @get("/{category_id:int}", name="manager-category")
    async def show(self, request: Request, category_id: int) -> Template:
        return await _one(request, category_id)

    @post("/{category_id:int}/rename")
    async def rename(self, request: Request, category_id: int) -> Answer:
        name = str((await request.form()).get("name") or "").strip()[:250]
        try:
            await rename_category(category_id, name, actor=actor_of(request))
        except DomainError as exc:
            return await _one(request, category_id, failed="rename", typed={"rename": name}, error=exc)
        flash(request, _("The category is renamed"))
        return redirect(request, f"{TREE}/{category_id}")

    @post("/{category_id:int}/move")
    async def move(self, request: Request, category_id: int) -> Answer:
        """Form: parent_id (empty: to the top of the tree)."""
        parent = to_int((await request.form()).get("parent_id"))
        try:
            await move_category(category_id, parent, actor=actor_of(request))
        except DomainError as exc:
            return await _one(request, category_id, failed="move", error=exc)
        flash(request, _("The category is moved"))
        return redirect(request, f"{TREE}/{category_id}")

    @post("/{category_id:int}/delete")
    async def delete(self, request: Request, category_id: int) -> Answer:
        try:
            await delete_category(category_id, actor=actor_of(request))
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            return await _one(request, category_id, failed="delete", error=exc)
        flash(request, _("The category is deleted"))
        return redirect(request, TREE)
