"""A supplier's file → an expected receipt: GET /manager/documents/import shows the form (warehouse,
supplier, CSV file); POST creates the draft (server/domain/receiving/supplier_file.py) and opens it, or
re-renders the form with every problem of the file (row by row). Nothing is created on any problem."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.domain.receiving.supplier_file import MAX_BYTES, import_supplier_file
from server.domain.stock.warehouses import list_warehouses
from server.errors import DomainError, ValidationFailed
from server.routes.manager._common import STOCK_ROLES, actor_of, error_flash, flash, page, redirect, to_int
from server.web.i18n import gettext as _

IMPORT = "/manager/documents/import"
# The form may carry up to 32 MB, so a file over MAX_BYTES is refused on the form with a clear message;
# only a body beyond this gets the framework's 413 page.
MAX_BODY = 16 * MAX_BYTES


async def _form(request: Request, values: dict, error: DomainError | None = None) -> Template:
    warehouses = [w for w in await list_warehouses() if w["active"]]
    context = {"nav": "documents", "title": _("Receipt from a supplier's file"), "warehouses": warehouses,
               "values": values, "max_mb": MAX_BYTES // (1024 * 1024)}
    if error is None:
        return page(request, "manager/receipt_import.html", context)
    return page(request, "manager/receipt_import.html", {**context, "flash": error_flash(error)},
                status_code=error.status_code)


class ReceiptImportController(Controller):
    path = IMPORT
    opt = {"roles": STOCK_ROLES}
    include_in_schema = False

    @get("/", name="manager-receipt-import")
    async def form(self, request: Request) -> Template:
        return await _form(request, {})

    @post("/", name="manager-receipt-import-upload", request_max_body_size=MAX_BODY, status_code=200)
    async def upload(self, request: Request) -> Template | Redirect | ClientRedirect:
        form = await request.form()
        values = {"warehouse_id": to_int(form.get("warehouse_id")), "supplier": str(form.get("supplier") or "")[:300]}
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ValidationFailed("Choose the supplier's CSV file", field="file")
            data = await upload.read()
            document_id = await import_supplier_file(
                data, warehouse_id=values["warehouse_id"], supplier=values["supplier"],
                filename=upload.filename, actor=actor_of(request))
        except DomainError as exc:
            return await _form(request, values, exc)
        flash(request, _("The draft receipt is made from the file: check it, then the warehouse receives it"))
        return redirect(request, f"/manager/documents/{document_id}")
