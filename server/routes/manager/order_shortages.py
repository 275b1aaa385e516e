"""The manager's answers to missing goods, from the order card's block «Сборщик не нашёл товар»: fewer
units, an analog instead, or «the goods were found». Each refusal shows the card with the reason."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.orders.line_changes import reduce_line, replace_with_analog
from server.domain.picking.shortages import goods_found
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import actor_of, parse_money, parse_qty
from server.routes.manager._orders_common import WRITE_ROLES
from server.routes.manager.orders import _card, _changed
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect


def _price(text: str) -> int | None | str:
    """Roubles typed into the form → kopecks; "" → None (the analog's retail price); junk → the text."""
    if not text.strip():
        return None
    amount = parse_money(text)
    return amount if amount is not None else text


class OrderShortagesController(Controller):
    path = "/manager/orders/{order_id:int}/lines/{line_id:int}"
    opt = {"roles": WRITE_ROLES}
    include_in_schema = False

    @post("/reduce")
    async def reduce(self, request: Request, order_id: int, line_id: int) -> Answer:
        data = await request.form()
        try:
            changed = await reduce_line(order_id, line_id, parse_qty(data.get("by")), actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc)
        return _changed(request, order_id, _("Line %(line)s now has %(qty)s units") % {
            "line": changed["line"], "qty": changed["qty"]["new"]})

    @post("/replace")
    async def replace(self, request: Request, order_id: int, line_id: int) -> Answer:
        data = await request.form()
        form = {"analog": str(data.get("analog") or "")[:20], "qty": str(data.get("qty") or "")[:20],
                "price": str(data.get("price") or "")[:20]}
        try:
            price = _price(form["price"])
            if isinstance(price, str):
                raise ValidationFailed("The price must be a sum in roubles from zero, e.g. 890,00", field="price")
            changed = await replace_with_analog(order_id, line_id, parse_qty(form["analog"]), parse_qty(form["qty"]),
                                                price=price, actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc, form=form)
        return _changed(request, order_id, _("%(sku)s is added instead of the missing goods") % {
            "sku": changed["analog"]["sku"]})

    @post("/found")
    async def found(self, request: Request, order_id: int, line_id: int) -> Answer:
        try:
            units = await goods_found(order_id, line_id, actor=actor_of(request))
        except DomainError as exc:
            return await _card(request, order_id, error=exc)
        return _changed(request, order_id, _("%(n)s units go back to the picker") % {"n": units})
