"""Stock documents: the list with filters, the line-by-line editor (scan or search to add a line),
save, post, unpost, delete a draft, and the moves a document wrote."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.db import write_tx
from server.domain.stock.documents import (
    create_document,
    delete_draft,
    get_document,
    list_documents,
    post_document,
    unpost_document,
    update_document,
)
from server.domain.stock.warehouses import list_warehouses
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import (
    PAGE_SIZE,
    STOCK_ROLES,
    actor_of,
    error_messages,
    flash,
    fragment,
    page,
    pages,
    redirect,
    to_int,
    wants_fragment,
)
from server.routes.manager._document_form import (
    KINDS,
    DocumentForm,
    add_by_code,
    editor_context,
    form_from_document,
    parse_form,
)
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

Answer = Template | Redirect | ClientRedirect


def _kind(value: Any) -> str:
    kind = str(value or "").strip()
    if kind not in KINDS:
        raise ValidationFailed("Unknown document kind %(kind)s: use receipt, transfer, write_off or inventory",
                               field="kind", kind=kind)
    return kind


def _errors(exc: DomainError) -> dict:
    return {"level": "error", "messages": error_messages(exc)}


async def _editor(request: Request, doc: DocumentForm, document: dict | None, *, error: DomainError | None = None,
                  status_code: int = 200) -> Template:
    context = {**await editor_context(doc), "document": document, "nav": "documents"}
    if error is not None:
        context["flash"] = _errors(error)
        return page(request, "manager/document_form.html", context, status_code=error.status_code)
    return page(request, "manager/document_form.html", context, status_code=status_code)


async def _view(request: Request, document: dict, *, error: DomainError | None = None) -> Template:
    context: dict[str, Any] = {"document": document, "nav": "documents"}
    if error is not None:
        context["flash"] = _errors(error)
        return page(request, "manager/document_view.html", context, status_code=error.status_code)
    return page(request, "manager/document_view.html", context)


class DocumentsController(Controller):
    path = "/manager/documents"
    opt = {"roles": STOCK_ROLES}

    @get("/", name="manager-documents")
    async def documents(self, request: Request, kind: str = "", status: str = "", warehouse: str = "",
                        q: str = "", page_no: int = Parameter(query="page", default=1)) -> Template:
        """The page, or (HTMX) only its results; filters: kind, status, warehouse, number/supplier."""
        filters = {"kind": kind if kind in KINDS else "", "status": status if status in ("draft", "posted") else "",
                   "warehouse": to_int(warehouse), "q": q.strip()[:100]}
        page_no = max(1, page_no)
        rows, total = await list_documents(kind=filters["kind"] or None, status=filters["status"] or None,
                                           warehouse_id=filters["warehouse"], query=filters["q"],
                                           limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        context = {"rows": rows, "filters": filters, "nav": "documents",
                   "paging": pages(total, page_no, "/manager/documents", filters)}
        if wants_fragment(request):
            return fragment("manager/_document_rows.html", context)
        return page(request, "manager/document_list.html", {**context, "warehouses": await list_warehouses()})

    @get("/new", name="manager-document-new")
    async def new(self, request: Request, kind: str = "receipt") -> Template:
        return await _editor(request, DocumentForm(kind=_kind(kind)), None)

    @post("/new")
    async def create(self, request: Request, kind: str = "receipt") -> Answer:
        form = await request.form()
        doc = parse_form(form, _kind(form.get("kind") or kind))
        try:
            document_id = await create_document(doc.to_input(), actor=actor_of(request),
                                                post=form.get("action") == "post")
        except DomainError as exc:
            return await _editor(request, doc, None, error=exc)
        flash(request, _("The document is posted") if form.get("action") == "post" else _("The draft is saved"))
        return redirect(request, f"/manager/documents/{document_id}")

    @post("/lines", name="manager-document-lines")
    async def lines(self, request: Request) -> Template:
        """Re-renders the editor's lines: adds the scanned/typed code (or the picked variant), or only
        follows a change of warehouse. Writes nothing."""
        form = await request.form()
        doc = parse_form(form, _kind(form.get("kind")))
        scan = await add_by_code(doc, str(form.get("pick") or form.get("code") or ""))
        message = translate_error(scan.error, scan.params) if scan.error else None
        context = {**await editor_context(doc), "scan": scan, "scan_error": message,
                   "document": {"status": "draft"}, "oob_flash": True}
        return fragment("manager/_document_lines.html", context, status_code=200)

    @get("/{document_id:int}", name="manager-document")
    async def show(self, request: Request, document_id: int) -> Template:
        document = await get_document(document_id)
        if document["status"] == "draft":
            return await _editor(request, form_from_document(document), document)
        return await _view(request, document)

    @post("/{document_id:int}")
    async def save(self, request: Request, document_id: int) -> Answer:
        """Save the draft; with action=post save and post it in one transaction (all or nothing)."""
        document = await get_document(document_id)
        form = await request.form()
        doc = parse_form(form, document["kind"])
        posting = form.get("action") == "post"
        try:
            data = doc.to_input()
            async with write_tx():
                await update_document(document_id, data, actor=actor_of(request))
                if posting:
                    await post_document(document_id, actor=actor_of(request))
        except DomainError as exc:
            if document["status"] != "draft":
                return await _view(request, document, error=exc)
            return await _editor(request, doc, document, error=exc)
        flash(request, _("The document is posted") if posting else _("The draft is saved"))
        return redirect(request, f"/manager/documents/{document_id}")

    @post("/{document_id:int}/unpost")
    async def unpost(self, request: Request, document_id: int) -> Answer:
        try:
            await unpost_document(document_id, actor=actor_of(request))
        except DomainError as exc:
            return await _view(request, await get_document(document_id), error=exc)
        flash(request, _("The document is unposted; it is a draft again"))
        return redirect(request, f"/manager/documents/{document_id}")

    @post("/{document_id:int}/delete")
    async def delete(self, request: Request, document_id: int) -> Answer:
        try:
            await delete_draft(document_id, actor=actor_of(request))
        except DomainError as exc:
            document = await get_document(document_id)
            if document["status"] != "draft":
                return await _view(request, document, error=exc)
            return await _editor(request, form_from_document(document), document, error=exc)
        flash(request, _("The draft is deleted"))
        return redirect(request, "/manager/documents")
