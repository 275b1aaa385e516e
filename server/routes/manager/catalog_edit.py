"""Creating and changing products in the manager app: the new-product form (facts, typed properties
and any number of variants with characteristics, barcodes and prices), the product's facts, and
archiving or restoring a product. Variants and barcodes: variant_edit.py. The form itself:
_product_form.py; the templates: product_form.html and _product_*.html."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.catalog.categories import list_categories
from server.domain.catalog.prices import list_price_types
from server.domain.catalog.products import create_product, edit_product, get_product_card, update_product
from server.domain.catalog.properties import list_properties
from server.domain.catalog.tables import VAT_RATES
from server.domain.catalog.units import list_units
from server.errors import DomainError, NotFound
from server.routes.manager._common import (
    actor_of,
    flash,
    fragment,
    labels,
    page,
    redirect,
    wants_fragment,
)
from server.routes.manager._product_form import (
    EDIT_ROLES,
    FieldMap,
    ProductForm,
    VariantForm,
    apply_edit,
    error_summary,
    facts_of,
    form_errors,
    form_from_card,
    is_edit,
    parse_facts,
    parse_product,
    product_input,
    properties_of,
    shown_keys,
)
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect
MODES = ("new", "edit", "add_variant", "edit_variant")


async def lookups(*, facts: bool = True, prices: bool = True) -> dict[str, Any]:
    """What the form's choices come from: categories, units, VAT rates, price types, properties."""
    found: dict[str, Any] = {"price_types": [], "properties": []}
    if facts:
        found["categories"] = await list_categories()
        found["units"] = await list_units()
        found["vat_rates"] = [(rate, _("No VAT") if rate == "none" else f"{rate} %") for rate in VAT_RATES]
        found["properties"] = await list_properties()
    if prices:
        names = labels()["price_labels"]
        found["price_types"] = [{"code": t["code"], "name": names.get(t["code"]) or t["name"]}
                                for t in await list_price_types()]
    return found


async def render_form(request: Request, mode: str, *, action: str, pf: ProductForm | None,
                      variants: list[VariantForm], error: DomainError | None = None, fmap: FieldMap | None = None,
                      focus: str | None = None, extra: dict[str, Any] | None = None) -> Template:
    """The form page, or (HTMX row edits) only the form; with the problems next to their inputs (422)."""
    full = mode in ("new", "add_variant")
    context: dict[str, Any] = {
        **await lookups(facts=pf is not None, prices=full), "mode": mode, "action": action, "pf": pf,
        "variants": variants, "multi": mode == "new", "full_variants": full, "focus": focus, "errors": {},
        "nav": "catalog", **(extra or {})}
    status = 200
    if error is not None:
        shown = shown_keys(pf is not None, variants, [t["code"] for t in context["price_types"]],
                           [p["code"] for p in context["properties"]], full_variants=full)
        context["errors"] = form_errors(error, fmap or FieldMap(single=mode != "new"), shown)
        context["flash"] = error_summary(error, context["errors"])
        status = 404 if isinstance(error, NotFound) else 422
    if wants_fragment(request):
        return fragment("manager/_product_form.html", context, status_code=status)
    return page(request, "manager/product_form.html", context, status_code=status)


class ProductFormController(Controller):
    path = "/manager/catalog"
    opt = {"roles": EDIT_ROLES}

    @get("/new", name="manager-product-new")
    async def new(self, request: Request) -> Template:
        return await render_form(request, "new", action="/manager/catalog/new", pf=ProductForm(variants=[]),
                                 variants=[VariantForm()], focus="f-name")

    @post("/new")
    async def create(self, request: Request) -> Answer:
        """Creates the product (all or nothing). Adding or removing a row (edit=...) only re-renders
        the form: HTMX swaps the form, a browser without JavaScript gets the page."""
        form = await request.form()
        pf = parse_product(form)
        if is_edit(form):
            focus = apply_edit(pf.variants, form, multi=True)
            return await render_form(request, "new", action="/manager/catalog/new", pf=pf, variants=pf.variants,
                                     focus=focus)
        data, fmap = product_input(pf)
        try:
            created = await create_product(data, actor=actor_of(request))
        except DomainError as exc:
            return await render_form(request, "new", action="/manager/catalog/new", pf=pf, variants=pf.variants,
                                     error=exc, fmap=fmap)
        flash(request, _("The product is created"))
        return redirect(request, f"/manager/catalog/{created.id}")

    @get("/{product_id:int}/edit", name="manager-product-edit")
    async def edit(self, request: Request, product_id: int) -> Template:
        card = await get_product_card(product_id)
        return await render_form(request, "edit", action=f"/manager/catalog/{product_id}/edit",
                                 pf=form_from_card(card), variants=[], focus="f-name", extra={"product": card["product"]})

    @post("/{product_id:int}/edit")
    async def save(self, request: Request, product_id: int) -> Answer:
        """The product's facts and properties (one change, all or nothing; an audit row for each part)."""
        card = await get_product_card(product_id)
        pf = parse_facts(await request.form())
        try:
            await edit_product(product_id, facts_of(pf), properties_of(pf), actor=actor_of(request))
        except DomainError as exc:
            return await render_form(request, "edit", action=f"/manager/catalog/{product_id}/edit", pf=pf,
                                     variants=[], error=exc, fmap=FieldMap(), extra={"product": card["product"]})
        flash(request, _("The product is saved"))
        return redirect(request, f"/manager/catalog/{product_id}")

    @post("/{product_id:int}/archive", name="manager-product-archive")
    async def archive(self, request: Request, product_id: int) -> Answer:
        """archived=1 hides the product and its variants from search; archived=0 restores them."""
        archived = str((await request.form()).get("archived") or "1") != "0"
        await update_product(product_id, archived=archived, actor=actor_of(request))
        flash(request, _("The product is archived") if archived else _("The product is restored"))
        return redirect(request, f"/manager/catalog/{product_id}")
