"""The manager's start page: where to go, and a few counts."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from server.domain.catalog.search import search_variants
from server.domain.stock.documents import list_documents
from server.routes.manager._common import VIEW_ROLES, page

MANAGER_ROLES = VIEW_ROLES  # kept for callers that imported it from here


class ManagerHomeController(Controller):
    path = "/manager"
    opt = {"roles": VIEW_ROLES}

    @get("/", name="manager-home")
    async def home(self, request: Request) -> Template:
        _rows, variants = await search_variants("", limit=1)
        drafts, draft_count = await list_documents(status="draft", limit=5)
        return page(request, "manager/home.html",
                    {"variants": variants, "drafts": drafts, "draft_count": draft_count, "nav": "home"})
