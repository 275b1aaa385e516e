"""Stock documents: the list with filters, the line-by-line editor (scan or search to add a line),
save, post, unpost, delete a draft, and the moves a document wrote."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.db import write_tx
from server.domain.receiving.queries import receiving_result
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
    error_flash,
    errors_by_field,
    flash,
    fragment,
    page,
    page_number,
    pages,
    redirect,
    sees_costs,
    to_int,
    wants_fragment,
)
from server.routes.manager._document_form import (
    KINDS,
    DocumentForm,
    ScanResult,
    apply_edit,
    editor_context,
    form_from_document,
    is_edit,
    parse_form,
)
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

Answer = Template | Redirect | ClientRedirect
STATUSES = ("draft", "posted")


def _kind(value: Any) -> str:
    kind = str(value or "").strip()
    if kind not in KINDS:
        raise ValidationFailed("Unknown document kind %(kind)s: use receipt, transfer, write_off or inventory",
                               field="kind", kind=kind[:32])
    return kind


def _scan_context(scan: ScanResult | None) -> dict[str, Any]:
    if scan is None:
        return {}
    return {"scan": scan, "scan_error": translate_error(scan.error, scan.params) if scan.error else None}


async def _editor(request: Request, doc: DocumentForm, document: dict | None, *, error: DomainError | None = None,
                  scan: ScanResult | None = None) -> Template:
    """The editor page: a new document (document=None) or a saved draft, as the user last saw it."""
    context = {**await editor_context(doc), **_scan_context(scan), "document": document, "nav": "documents",
               "costs": sees_costs(request)}
    if error is None:
        return page(request, "manager/document_form.html", context)
    context["flash"] = error_flash(error)
    context["errors"] = errors_by_field(error)
    return page(request, "manager/document_form.html", context, status_code=error.status_code)


async def _view(request: Request, document: dict, *, error: DomainError | None = None) -> Template:
    """A posted document (or one that cannot be edited here): header, lines, what the warehouse received
    against what was expected (a receipt received on the device) and the moves it wrote."""
    context: dict[str, Any] = {"document": document, "nav": "documents", "costs": sees_costs(request)}
    if document["kind"] == "receipt":
        context["received"] = await receiving_result(document["id"])  # None unless received on the device
    if error is None:
        return page(request, "manager/document_view.html", context)
    context["flash"] = error_flash(error)
    return page(request, "manager/document_view.html", context, status_code=error.status_code)


async def _show(request: Request, document: dict, *, error: DomainError | None = None) -> Template:
    if document["status"] == "draft" and document["kind"] in KINDS:
        return await _editor(request, form_from_document(document), document, error=error)
    return await _view(request, document, error=error)


class DocumentsController(Controller):
    path = "/manager/documents"
    opt = {"roles": STOCK_ROLES}

    @get("/", name="manager-documents")
    async def documents(self, request: Request, kind: str = "", status: str = "", warehouse: str = "",
                        q: str = "", page_no: str = Parameter(query="page", default="1")) -> Template:
        """The page, or (HTMX) only its results; filters: kind, status, warehouse, number/supplier."""
        filters = {"kind": kind if kind in KINDS else "", "status": status if status in STATUSES else "",
                   "warehouse": to_int(warehouse), "q": q.strip()[:100]}
        page_no = page_number(page_no)
        rows, total = await list_documents(kind=filters["kind"] or None, status=filters["status"] or None,
                                           warehouse_id=filters["warehouse"], query=filters["q"],
                                           limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        context = {"rows": rows, "filters": filters, "nav": "documents", "costs": sees_costs(request),
                   "paging": pages(total, page_no, "/manager/documents", filters)}
        if wants_fragment(request):
            return fragment("manager/_document_rows.html", context)
        return page(request, "manager/document_list.html", {**context, "warehouses": await list_warehouses()})

    @get("/new", name="manager-document-new")
    async def new(self, request: Request, kind: str = "receipt") -> Template:
        return await _editor(request, DocumentForm(kind=_kind(kind)), None)

    @post("/new")
    async def create(self, request: Request, kind: str = "receipt") -> Answer:
        """Save a new draft (action=save) or save and post it (action=post). Scanning, picking or
        removing a line without JavaScript posts here too and only re-renders the editor."""
        form = await request.form()
        doc = parse_form(form, _kind(form.get("kind") or kind))
        if is_edit(form):
            return await _editor(request, doc, None, scan=await apply_edit(doc, form))
        posting = form.get("action") == "post"
        try:
            document_id = await create_document(doc.to_input(), actor=actor_of(request), post=posting)
        except DomainError as exc:
            return await _editor(request, doc, None, error=exc)
        flash(request, _("The document is posted") if posting else _("The draft is saved"))
        return redirect(request, f"/manager/documents/{document_id}")

    @post("/lines", name="manager-document-lines")
    async def lines(self, request: Request) -> Template:
        """Re-renders the editor's lines (HTMX): adds the scanned/typed code or the picked variant,
        removes a line, or only follows a change of warehouse. Writes nothing."""
        form = await request.form()
        doc = parse_form(form, _kind(form.get("kind")))
        scan = await apply_edit(doc, form)
        context = {**await editor_context(doc), **_scan_context(scan), "document": {"status": "draft"},
                   "oob_flash": True}
        return fragment("manager/_document_lines.html", context)

    @get("/{document_id:int}", name="manager-document")
    async def show(self, request: Request, document_id: int) -> Template:
        return await _show(request, await get_document(document_id))

    @post("/{document_id:int}")
    async def save(self, request: Request, document_id: int) -> Answer:
        """Save the draft; with action=post save and post it in one transaction (all or nothing)."""
        document = await get_document(document_id)
        if document["kind"] not in KINDS:
            return await _view(request, document)
        form = await request.form()
        doc = parse_form(form, document["kind"])
        if is_edit(form) and document["status"] == "draft":
            return await _editor(request, doc, document, scan=await apply_edit(doc, form))
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
            return await _show(request, await get_document(document_id), error=exc)
        flash(request, _("The document is unposted; it is a draft again"))
        return redirect(request, f"/manager/documents/{document_id}")

    @post("/{document_id:int}/delete")
    async def delete(self, request: Request, document_id: int) -> Answer:
        try:
            await delete_draft(document_id, actor=actor_of(request))
        except DomainError as exc:
            return await _show(request, await get_document(document_id), error=exc)
        flash(request, _("The draft is deleted"))
        return redirect(request, "/manager/documents")
