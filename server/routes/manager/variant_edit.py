"""A product's variants in the manager app: add one (characteristics, SKU, barcodes, prices), change
its SKU and characteristics, archive or restore it, add a barcode (typed or an in-store EAN-13) and
remove one. Everything starts from the product card (product_card.html)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.catalog.dto import BarcodeInput
from server.domain.catalog.products import (
    add_barcode,
    add_variant,
    archive_variant,
    get_product_card,
    remove_barcode,
    update_variant,
)
from server.errors import DomainError
from server.routes.manager._common import (
    actor_of,
    error_messages,
    flash,
    fragment,
    page,
    redirect,
    wants_fragment,
)
from server.routes.manager._product_form import (
    EDIT_ROLES,
    CharRow,
    FieldMap,
    VariantForm,
    apply_edit,
    characteristics_of,
    is_edit,
    parse_variants,
    variant_from_card,
    variant_input,
)
from server.routes.manager.catalog import card_context, variant_of
from server.routes.manager.catalog_edit import render_form
from server.web.i18n import gettext as _

Answer = Template | Redirect | ClientRedirect


def _card_url(product_id: int, variant_id: int | None = None) -> str:
    if variant_id is None:
        return f"/manager/catalog/{product_id}"
    return f"/manager/catalog/{product_id}?variant={variant_id}#variant-{variant_id}"


def _blank_like(card: dict) -> VariantForm:
    """A new variant with the characteristic names the product's variants already use."""
    names: list[str] = []
    for v in card.get("variants") or []:
        names.extend(k for k in (v.get("characteristics") or {}) if k not in names)
    return VariantForm(chars=[CharRow(name) for name in names] or [CharRow()])


class VariantFormController(Controller):
    path = "/manager/catalog/{product_id:int}/variants"
    opt = {"roles": EDIT_ROLES}

    @get("/new", name="manager-variant-new")
    async def new(self, request: Request, product_id: int) -> Template:
        card = await get_product_card(product_id)
        return await render_form(request, "add_variant", action=f"{self.path_of(product_id)}/new", pf=None,
                                 variants=[_blank_like(card)], extra={"product": card["product"]})

    @post("/new")
    async def create(self, request: Request, product_id: int) -> Answer:
        card = await get_product_card(product_id)
        form = await request.form()
        variants = parse_variants(form)[:1]
        url, extra = f"{self.path_of(product_id)}/new", {"product": card["product"]}
        if is_edit(form):
            focus = apply_edit(variants, form, multi=False)
            return await render_form(request, "add_variant", action=url, pf=None, variants=variants, focus=focus,
                                     extra=extra)
        fmap = FieldMap(single=True)
        try:
            created = await add_variant(product_id, variant_input(variants[0], 0, fmap), actor=actor_of(request))
        except DomainError as exc:
            return await render_form(request, "add_variant", action=url, pf=None, variants=variants, error=exc,
                                     fmap=fmap, extra=extra)
        flash(request, _("Variant %(sku)s is added") % {"sku": created.sku})
        return redirect(request, _card_url(product_id, created.id))

    @get("/{variant_id:int}/edit", name="manager-variant-edit")
    async def edit(self, request: Request, product_id: int, variant_id: int) -> Template:
        card = await get_product_card(product_id)
        variant = variant_of(card, variant_id)
        return await render_form(request, "edit_variant", action=f"{self.path_of(product_id)}/{variant_id}/edit",
                                 pf=None, variants=[variant_from_card(variant)],
                                 extra={"product": card["product"], "variant": variant})

    @post("/{variant_id:int}/edit")
    async def save(self, request: Request, product_id: int, variant_id: int) -> Answer:
        """The variant's SKU and characteristics (its name follows the characteristics when it did)."""
        card = await get_product_card(product_id)
        variant = variant_of(card, variant_id)
        form = await request.form()
        variants = parse_variants(form)[:1]
        url, extra = f"{self.path_of(product_id)}/{variant_id}/edit", {"product": card["product"], "variant": variant}
        if is_edit(form):
            focus = apply_edit(variants, form, multi=False)
            return await render_form(request, "edit_variant", action=url, pf=None, variants=variants, focus=focus,
                                     extra=extra)
        fmap = FieldMap(single=True)
        try:
            await update_variant(variant_id, sku=variants[0].sku, characteristics=characteristics_of(variants[0], 0, fmap),
                                 actor=actor_of(request))
        except DomainError as exc:
            return await render_form(request, "edit_variant", action=url, pf=None, variants=variants, error=exc,
                                     fmap=fmap, extra=extra)
        flash(request, _("The variant is saved"))
        return redirect(request, _card_url(product_id, variant_id))

    @post("/{variant_id:int}/archive", name="manager-variant-archive")
    async def archive(self, request: Request, product_id: int, variant_id: int) -> Answer:
        """archived=1 hides the variant from search (stock, history and scans stay); archived=0 restores
        it, and its product with it."""
        variant_of(await get_product_card(product_id), variant_id)
        archived = str((await request.form()).get("archived") or "1") != "0"
        await archive_variant(variant_id, archived, actor=actor_of(request))
        flash(request, _("The variant is archived") if archived else _("The variant is restored"))
        return redirect(request, _card_url(product_id, variant_id))

    @post("/{variant_id:int}/barcodes", name="manager-barcode-add")
    async def add_barcode(self, request: Request, product_id: int, variant_id: int) -> Answer:
        """A typed or scanned barcode (code, multiplier: units per scan), or with generate=1 an in-store
        EAN-13. HTMX gets the variant's barcode block back; a plain POST goes back to the card."""
        variant_of(await get_product_card(product_id), variant_id)
        form = await request.form()
        code, typed = str(form.get("code") or "").strip()[:80], str(form.get("multiplier") or "").strip()[:12]
        multiplier: Any = int(typed) if typed.isdigit() and len(typed) < 10 else (typed or 1)
        data = None if form.get("generate") else BarcodeInput(code=code, multiplier=multiplier)
        try:
            added = await add_barcode(variant_id, data, actor=actor_of(request))
        except DomainError as exc:
            problem = {"variant_id": variant_id, "code": code, "multiplier": typed, "messages": error_messages(exc)}
            return await self._barcodes(request, product_id, variant_id, status=exc.status_code, barcode_error=problem)
        message = _("Barcode %(code)s is added") % {"code": added["code"]}
        return await self._barcodes(request, product_id, variant_id, message=message)

    @post("/{variant_id:int}/barcodes/remove", name="manager-barcode-remove")
    async def remove_barcode(self, request: Request, product_id: int, variant_id: int) -> Answer:
        variant_of(await get_product_card(product_id), variant_id)
        code = str((await request.form()).get("code") or "").strip()[:80]
        try:
            await remove_barcode(variant_id, code, actor=actor_of(request))
        except DomainError as exc:
            problem = {"variant_id": variant_id, "code": "", "multiplier": "", "messages": error_messages(exc)}
            return await self._barcodes(request, product_id, variant_id, status=exc.status_code, barcode_error=problem)
        return await self._barcodes(request, product_id, variant_id,
                                    message=_("Barcode %(code)s is removed") % {"code": code})

    async def _barcodes(self, request: Request, product_id: int, variant_id: int, *, status: int = 200,
                        message: str | None = None, barcode_error: dict | None = None) -> Answer:
        """After a barcode change: HTMX gets the block, a plain POST the card (redirected when it worked,
        re-rendered with the message when it did not)."""
        if not wants_fragment(request) and barcode_error is None:
            flash(request, message or "")
            return redirect(request, _card_url(product_id, variant_id))
        card = await get_product_card(product_id)
        context = {**card_context(request, product_id, card, variant_id), "variant": variant_of(card, variant_id),
                   "barcode_error": barcode_error, "barcode_saved": message}
        if wants_fragment(request):
            return fragment("manager/_product_barcodes.html", context, status_code=status)
        context["flash"] = {"level": "error", "messages": (barcode_error or {}).get("messages")}
        return page(request, "manager/product_card.html", context, status_code=status)

    @staticmethod
    def path_of(product_id: int) -> str:
        return f"/manager/catalog/{product_id}/variants"
