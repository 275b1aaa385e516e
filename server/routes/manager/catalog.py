"""Catalog screens: the list with instant search (name, SKU, barcode) and the product card."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Redirect, Template

from server.domain.catalog.barcodes import find_by_code
from server.domain.catalog.products import get_product_card
from server.domain.catalog.search import search_variants
from server.routes.manager._common import PAGE_SIZE, VARY, VIEW_ROLES, fragment, page, pages, wants_fragment


async def _exact_match(query: str) -> str | None:
    """The card URL when a scanned or typed code means exactly one variant."""
    found = await find_by_code(query)
    if found is not None:
        return f"/manager/catalog/{found.product_id}?variant={found.variant_id}"
    rows, total = await search_variants(query, limit=2)
    if total == 1 and rows:
        return f"/manager/catalog/{rows[0].product_id}?variant={rows[0].variant_id}"
    return None


class CatalogController(Controller):
    path = "/manager/catalog"
    opt = {"roles": VIEW_ROLES}

    @get("/", name="manager-catalog")
    async def catalog(self, request: Request, q: str = "", go: str = "",
                      page_no: int = Parameter(query="page", default=1)) -> Template | Redirect:
        """One URL for the page and its rows: HTMX asks for the rows, a plain GET gets the page.
        `go=1` comes with Enter (a scanner ends with Enter): one exact match opens its card."""
        query = q.strip()[:200]
        if go and query:
            target = await _exact_match(query)
            if target:
                return Redirect(target, status_code=303, headers=VARY)
        page_no = max(1, page_no)
        rows, total = await search_variants(query, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        context = {"q": query, "rows": rows, "paging": pages(total, page_no, "/manager/catalog", {"q": query}), "nav": "catalog"}
        if wants_fragment(request):
            return fragment("manager/_catalog_rows.html", context)
        return page(request, "manager/catalog_list.html", context)

    @get("/{product_id:int}", name="manager-product")
    async def product(self, request: Request, product_id: int, variant: int | None = None) -> Template:
        card = await get_product_card(product_id)
        return page(request, "manager/product_card.html",
                    {"card": card, "selected": variant, "nav": "catalog", "labels": _labels_available()})


def _labels_available() -> bool:
    try:
        import server.domain.catalog.labels  # noqa: F401
    except ImportError:
        return False
    return True
