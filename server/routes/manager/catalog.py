"""Catalog screens: the list with instant search (name, SKU, barcode), the product card with its
prices per type (editable by managers), and barcode labels (SVG, PDF)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.catalog.barcodes import find_by_code
from server.domain.catalog.products import get_product_card
from server.domain.catalog.search import search_variants
from server.errors import DomainError, NotFound, ValidationFailed
from server.routes.manager._common import (
    PAGE_SIZE,
    PRICE_ROLES,
    VARY,
    VIEW_ROLES,
    actor_of,
    error_messages,
    flash,
    fragment,
    page,
    page_number,
    pages,
    parse_money,
    price_rows,
    redirect,
    sees_costs,
    to_int,
    wants_fragment,
)
from server.routes.manager._product_form import EDIT_ROLES
from server.web.access import principal_of
from server.web.i18n import gettext as _

MAX_ITEMS = 100  # variants on one PDF request


async def _exact_match(query: str) -> str | None:
    """The card URL when a scanned or typed code means exactly one variant."""
    found = await find_by_code(query)
    if found is not None:
        return f"/manager/catalog/{found.product_id}?variant={found.variant_id}#variant-{found.variant_id}"
    rows, total = await search_variants(query, limit=2)
    if total == 1 and rows:
        return f"/manager/catalog/{rows[0].product_id}?variant={rows[0].variant_id}#variant-{rows[0].variant_id}"
    return None


def card_context(request: Request, product_id: int, card: dict, selected: int | None) -> dict[str, Any]:
    product = card.get("product") or {}
    return {"card": card, "product": product, "product_id": product_id, "selected": selected, "nav": "catalog", "price_types": price_rows(card),
            "costs": sees_costs(request), "labels_ready": _labels_available(),
            "can_edit": can_edit(request), "title": product.get("name")}


def can_edit(request: Request) -> bool:
    """Managers (and the owner) create and change products; cashiers only look."""
    principal = principal_of(request)
    return bool(principal and principal.has_any(EDIT_ROLES))


def variant_of(card: dict, variant_id: int | None) -> dict:
    for variant in card.get("variants") or []:
        if variant.get("id") == variant_id:
            return variant
    raise NotFound("Unknown product variant %(variant_id)s", variant_id=variant_id)


class CatalogController(Controller):
    path = "/manager/catalog"
    opt = {"roles": VIEW_ROLES}

    @get("/", name="manager-catalog")
    async def catalog(self, request: Request, q: str = "", go: str = "",
                      page_no: str = Parameter(query="page", default="1")) -> Template | Redirect:
        """One URL for the page and its rows: HTMX asks for the rows, a plain GET gets the page.
        `go=1` comes with Enter (a scanner ends with Enter): one exact match opens its card."""
        query = q.strip()[:200]
        if go and query:
            target = await _exact_match(query)
            if target:
                return Redirect(target, status_code=303, headers=VARY)
        page_no = page_number(page_no)
        rows, total = await search_variants(query, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        context = {"q": query, "rows": rows, "nav": "catalog",
                   "paging": pages(total, page_no, "/manager/catalog", {"q": query})}
        if wants_fragment(request):
            return fragment("manager/_catalog_rows.html", context)
        return page(request, "manager/catalog_list.html", context)

    @get("/{product_id:int}", name="manager-product")
    async def product(self, request: Request, product_id: int, variant: str = "") -> Template:
        card = await get_product_card(product_id)
        return page(request, "manager/product_card.html", card_context(request, product_id, card, to_int(variant)))

    @post("/{product_id:int}/prices", name="manager-product-price", opt={"roles": PRICE_ROLES})
    async def set_price(self, request: Request, product_id: int) -> Template | Redirect | ClientRedirect:
        """One price of one variant (form: variant_id, price_type, amount in roubles). HTMX gets the
        variant's price block back; a plain POST is redirected to the card (or sees it with the error)."""
        from server.domain.catalog.prices import set_price

        form = await request.form()
        variant_id = to_int(form.get("variant_id"))
        price_type = str(form.get("price_type") or "").strip()[:32]
        typed = str(form.get("amount") or "").strip()[:20]
        card = await get_product_card(product_id)
        variant = variant_of(card, variant_id)
        amount = parse_money(typed)
        try:
            if amount is None or not typed:
                raise ValidationFailed("The price must be a sum in roubles, e.g. 149,90", field="amount")
            await set_price(variant["id"], price_type, amount, actor=actor_of(request))
        except DomainError as exc:
            problem = {"price_type": price_type, "amount": typed, "messages": error_messages(exc)}
            context = {**card_context(request, product_id, card, variant["id"]), "variant": variant, "price_error": problem}
            if wants_fragment(request):
                return fragment("manager/_product_prices.html", context, status_code=exc.status_code)
            context["flash"] = {"level": "error", "messages": problem["messages"]}
            return page(request, "manager/product_card.html", context, status_code=exc.status_code)
        if not wants_fragment(request):
            flash(request, _("The price is saved"))
            return redirect(request, f"/manager/catalog/{product_id}?variant={variant['id']}#variant-{variant['id']}")
        card = await get_product_card(product_id)
        context = {**card_context(request, product_id, card, variant["id"]), "variant": variant_of(card, variant["id"]),
                   "price_saved": price_type}
        return fragment("manager/_product_prices.html", context)


class LabelsController(Controller):
    """Barcode labels: one SVG label to look at, a PDF sheet to print (domain: catalog/labels.py)."""

    path = "/manager/catalog/labels"
    opt = {"roles": VIEW_ROLES}

    @get("/{name:str}", name="manager-label-svg")
    async def label_svg(self, name: str, code: str | None = None) -> Response:
        """/manager/catalog/labels/<variant_id>.svg[?code=<one of its barcodes>]"""
        stem, dot, ext = name.rpartition(".")
        variant_id = to_int(stem) if dot and ext == "svg" else None
        if variant_id is None:
            raise NotFound("Not found")
        body = await _labels_module().label_svg(variant_id, code=(code or "").strip()[:64] or None)
        return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "private, no-cache"})


def _labels_module() -> Any:
    """catalog/labels.py, imported on first use (it pulls in the barcode and PDF libraries)."""
    try:
        from server.domain.catalog import labels
    except ImportError as exc:
        raise NotFound("Label printing is not available yet") from exc
    return labels


def _labels_available() -> bool:
    try:
        import server.domain.catalog.labels  # noqa: F401
    except ImportError:
        return False
    return True


@get("/manager/catalog/labels.pdf", name="manager-labels-pdf", opt={"roles": VIEW_ROLES})
async def labels_pdf(request: Request) -> Response:
    """?variant=ID&copies=N, repeatable (variant=1&copies=3&variant=2&copies=1): one PDF page per label.
    The domain checks the numbers (copies 1..1000) and says what is wrong."""
    variants = request.query_params.getall("variant", [])[:MAX_ITEMS]
    copies = request.query_params.getall("copies", [])
    items: list[tuple[int, int]] = []
    for n, raw in enumerate(variants):
        variant_id = to_int(raw)
        if variant_id is None:
            raise NotFound("Unknown product variant %(variant_id)s", variant_id=str(raw)[:20])
        items.append((variant_id, to_int(copies[n] if n < len(copies) else "1", default=0) or 0))
    body = await _labels_module().labels_pdf(items)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="labels.pdf"', "Cache-Control": "no-store"})
