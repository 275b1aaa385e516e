"""Shortages: open demand that stock does not cover, per variant with the orders behind it; re-reserve
one order, or everything that has arrived (oldest orders first). For managers (and the owner)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.orders.queries import shortages
from server.domain.orders.reservations import rereserve
from server.domain.orders.restock import rereserve_arrived, short_lines
from server.errors import DomainError
from server.routes.manager._common import FLASH_KEY, STOCK_ROLES, actor_of, error_flash, flash, page, redirect
from server.web.i18n import gettext as _

BASE = "/manager/shortages"


def _by_variant(lines: list[dict]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for line in lines:
        grouped.setdefault(line["variant_id"], []).append(line)
    return grouped


class ShortagesController(Controller):
    path = BASE
    opt = {"roles": STOCK_ROLES}

    @get("/", name="manager-shortages")
    async def index(self, request: Request) -> Template:
        variants, lines = await shortages(), await short_lines()
        by_variant = _by_variant(lines)
        # the oldest order per variant from the lines (oldest first): shortages()' MIN(placed_at) is text on SQLite
        return page(request, "manager/shortages.html",
                    {"variants": variants, "orders_of": by_variant,
                     "oldest_of": {v: rows[0]["placed_at"] for v, rows in by_variant.items()},
                     "available_of": {v: max(x["available"] for x in rows) for v, rows in by_variant.items()},
                     "arrived": any(x["available"] > 0 for x in lines), "nav": "shortages", "title": _("Shortages")})

    @post("/orders/{order_id:int}/rereserve")
    async def rereserve_order(self, request: Request, order_id: int) -> Redirect | ClientRedirect:
        number = str((await request.form()).get("number") or "")[:32]
        try:
            taken = await rereserve(order_id, actor=actor_of(request))
        except DomainError as exc:
            request.session[FLASH_KEY] = error_flash(exc)
            return redirect(request, BASE)
        units = sum(taken.values())
        if units:
            flash(request, _("Order %(number)s: %(n)s more units reserved")
                  % {"number": number or order_id, "n": units})
        else:
            flash(request, _("Order %(number)s: nothing new in stock, the reservation is unchanged")
                  % {"number": number or order_id}, "info")
        return redirect(request, BASE)

    @post("/rereserve-arrived")
    async def rereserve_all(self, request: Request) -> Redirect | ClientRedirect:
        done = await rereserve_arrived(actor=actor_of(request))
        if done.units:
            flash(request, _("Reserved %(units)s units for %(orders)s orders") % {"units": done.units,
                                                                                 "orders": done.orders})
        else:
            flash(request, _("Nothing has arrived for the orders that wait: no reservation changed"), "info")
        return redirect(request, BASE)
