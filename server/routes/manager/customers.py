"""Customer cards in the manager app: search, the card (contacts, orders, totals) and merging two
cards by hand (pick the other card by search, see what moves, confirm). Managers and cashiers read;
only managers merge (the audit row is written by the domain)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.crm.customers import get_customer, merge_customers, search_customers
from server.domain.orders.settings import status_settings
from server.errors import DomainError
from server.routes.manager._common import (
    VIEW_ROLES,
    actor_of,
    error_flash,
    flash,
    fragment,
    page,
    redirect,
    to_int,
    wants_fragment,
)
from server.web.i18n import gettext as _

BASE = "/manager/customers"
MERGE_ROLES = {"manager"}
SEARCH_LIMIT = 50
KEYS = ("email", "phone", "inn")


def _query(value: str | None) -> str:
    return " ".join(str(value or "").split())[:200]


async def _labels() -> dict[str, Any]:
    return {"order_status_labels": {code: s.label for code, s in (await status_settings()).items()},
            "key_labels": {"email": _("E-mail address"), "phone": _("Phone number"), "inn": _("Taxpayer number (INN)")}}


def merge_preview(keep: dict, drop: dict) -> dict[str, Any]:
    """What merge_customers will do, for the confirmation: the orders and contact persons that move,
    the keys the kept card gains (the ones it lacks), and the dropped name kept as a contact person."""
    def same(a: str, b: str) -> bool:
        return " ".join((a or "").casefold().split()) == " ".join((b or "").casefold().split())

    known = [keep["name"], *(c["name"] for c in keep["contacts"])]
    return {"orders": drop["orders"], "contacts": drop["contacts"],
            "gains": {k: drop[k] for k in KEYS if drop[k] and not keep[k]},
            "name_as_contact": bool(drop["name"]) and not any(same(drop["name"], n) for n in known),
            "totals": drop["totals"]}


def _refusal(keep: dict, drop: dict) -> str:
    """Why the two cards cannot be merged ("" when they can): the domain's own messages."""
    if keep["id"] == drop["id"]:
        return _("A customer cannot be merged into itself")
    for card in (keep, drop):
        if card["merged_into"] is not None:
            return _("Customer %(id)s is already merged into another card") % {"id": card["id"]}
    return ""


class CustomersController(Controller):
    path = BASE
    opt = {"roles": VIEW_ROLES}

    @get("/", name="manager-customers")
    async def index(self, request: Request, q: str = "") -> Template:
        query = _query(q)
        context = {"q": query, "rows": await search_customers(query, limit=SEARCH_LIMIT) if query else [],
                   "limit": SEARCH_LIMIT}
        if wants_fragment(request):
            return fragment("manager/_customer_rows.html", context)
        return page(request, "manager/customers.html", {**context, "nav": "customers", "title": _("Customers")})

    @get("/{customer_id:int}", name="manager-customer")
    async def card(self, request: Request, customer_id: int) -> Template:
        customer = await get_customer(customer_id)
        return page(request, "manager/customer_card.html",
                    {"c": customer, **await _labels(), "nav": "customers", "title": customer["name"] or _("Customer")})

    @get("/{customer_id:int}/merge", name="manager-customer-merge", opt={"roles": MERGE_ROLES})
    async def merge_form(self, request: Request, customer_id: int, q: str = "", drop: str = "") -> Template:
        return await _merge_page(request, customer_id, _query(q), to_int(drop))

    @post("/{customer_id:int}/merge", opt={"roles": MERGE_ROLES})
    async def merge(self, request: Request, customer_id: int) -> Template | Redirect | ClientRedirect:
        form = await request.form()
        drop_id = to_int(form.get("drop_id"))
        if drop_id is None:
            return await _merge_page(request, customer_id, "", None)
        try:
            await merge_customers(customer_id, drop_id, actor=actor_of(request))
        except DomainError as exc:
            return await _merge_page(request, customer_id, "", drop_id, error=exc)
        flash(request, _("The cards are merged: the orders and contacts of card %(id)s are now here") % {"id": drop_id})
        return redirect(request, f"{BASE}/{customer_id}")


async def _merge_page(request: Request, customer_id: int, query: str, drop_id: int | None,
                      error: DomainError | None = None) -> Template:
    keep = await get_customer(customer_id)
    context: dict[str, Any] = {"c": keep, "q": query, "candidates": [], "other": None, "preview": None,
                               "refusal": "", **await _labels(), "nav": "customers", "title": _("Merge customers")}
    if query:
        context["candidates"] = [r for r in await search_customers(query, limit=SEARCH_LIMIT) if r["id"] != keep["id"]]
        if wants_fragment(request):
            return fragment("manager/_customer_merge_candidates.html", context)
    if drop_id is not None:
        try:
            other = await get_customer(drop_id)
        except DomainError as exc:
            context["refusal"] = error_flash(exc)["message"]
        else:
            context["other"], context["refusal"] = other, _refusal(keep, other)
            if not context["refusal"]:
                context["preview"] = merge_preview(keep, other)
    if error is not None:
        context["flash"] = error_flash(error)
        context["preview"] = None
        return page(request, "manager/customer_merge.html", context, status_code=error.status_code)
    return page(request, "manager/customer_merge.html", context)
