"""The manager's start page: where to go, and a few counts."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.domain.catalog.search import search_variants
from server.domain.stock.documents import list_documents
from server.routes.manager._common import STOCK_ROLES, VIEW_ROLES, page
from server.web.access import principal_of

MANAGER_ROLES = VIEW_ROLES  # kept for callers that imported it from here


class ManagerHomeController(Controller):
    path = "/manager"
    opt = {"roles": VIEW_ROLES}

    @get("/", name="manager-home")
    async def home(self, request: Request) -> Template:
        """Catalog size for everyone; drafts to post and the latest documents for who works with stock."""
        _rows, variants = await search_variants("", limit=1)
        context = {"variants": variants, "drafts": [], "draft_count": 0, "recent": [], "nav": "home"}
        principal = principal_of(request)
        if principal is not None and principal.has_any(STOCK_ROLES):
            context["drafts"], context["draft_count"] = await list_documents(status="draft", limit=5)
            context["recent"], _total = await list_documents(status="posted", limit=5)
        return page(request, "manager/home.html", context)
