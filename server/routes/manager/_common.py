"""Small helpers shared by the manager controllers: who may do what, pages vs HTMX fragments,
flash messages across a redirect, domain errors as Russian sentences, form number parsing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from server.errors import DomainError
from server.web.access import principal_of
from server.web.i18n import gettext as _
from server.web.i18n import translate_error

# Who sees what (owner may do everything, see server/web/access.py).
VIEW_ROLES = {"manager", "cashier"}  # home and catalog: cashiers look goods up too
STOCK_ROLES = {"manager"}  # stock documents: create, post, unpost

VARY = {"Vary": "HX-Request"}
FLASH_KEY = "flash"
PAGE_SIZE = 50


def wants_fragment(request: Request) -> bool:
    """An HTMX request for a part of the page (not a boosted navigation, not a history restore,
    which both need the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def actor_of(request: Request) -> str:
    principal = principal_of(request)
    return principal.actor if principal else "anonymous"


def flash(request: Request, message: str, level: str = "ok") -> None:
    """A message shown once, on the next page this user opens."""
    request.session[FLASH_KEY] = {"level": level, "message": message}


def pop_flash(request: Request) -> dict | None:
    if not request.session:
        return None
    return request.session.pop(FLASH_KEY, None)


def labels() -> dict[str, dict[str, str]]:
    """Names of document kinds, statuses, price types and move counterparts in the user's language."""
    return {
        "kind_labels": {"receipt": _("Receipt"), "transfer": _("Transfer"), "write_off": _("Write-off"),
                        "inventory": _("Inventory count"), "shipment": _("Shipment"), "return": _("Return")},
        "status_labels": {"draft": _("Draft"), "posted": _("Posted")},
        "price_labels": {"retail": _("Retail"), "wholesale": _("Wholesale"), "purchase": _("Purchase")},
        "counterpart_labels": {"supplier": _("Supplier"), "customer": _("Customer"), "loss": _("Loss"),
                               "inventory": _("Inventory count"), "transfer": _("Transfer")},
    }


def fragment(template: str, context: dict[str, Any], *, status_code: int = 200,
             headers: dict[str, str] | None = None) -> Template:
    return Template(template, context={**labels(), **context}, status_code=status_code,
                    headers={**VARY, **(headers or {})})


def page(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200,
         headers: dict[str, str] | None = None) -> Template:
    """A full page of the manager app: adds the user, the labels and a pending flash message."""
    full = {"user": principal_of(request), "flash": pop_flash(request), **context}
    return fragment(template, full, status_code=status_code, headers=headers)


def redirect(request: Request, url: str) -> Redirect | ClientRedirect:
    """After a change: HX-Redirect for HTMX, 303 See Other otherwise."""
    if getattr(request, "htmx", None):
        return ClientRedirect(redirect_to=url)
    return Redirect(url, status_code=303)


def error_messages(exc: DomainError) -> list[str]:
    """Every problem of a DomainError as a sentence in the user's language."""
    if exc.problems:
        return [translate_error(p.message, p.params) for p in exc.problems]
    return [translate_error(exc.message, exc.params)]


def to_int(value: Any, default: int | None = None) -> int | None:
    text = str(value if value is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        return default


def parse_qty(value: Any) -> int | str:
    """A whole quantity, or the raw text when it is not one (the service then says why)."""
    text = str(value if value is not None else "").strip()
    number = to_int(text)
    return number if number is not None else text


def parse_money(value: Any) -> int | None:
    """"1 234,50" / "1234.5" / "99" (roubles) → kopecks; "" → 0; not a number → None."""
    text = str(value if value is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    text = text.replace("₽", "").replace(",", ".")
    if not text:
        return 0
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def money_input(kopecks: int | None) -> str:
    """Kopecks → the text an input shows: "1234,50"."""
    if not kopecks:
        return ""
    return f"{Decimal(int(kopecks)) / 100:.2f}".replace(".", ",")


def pages(total: int, page_no: int, url: str, params: dict[str, Any], size: int = PAGE_SIZE) -> dict[str, Any]:
    """Paging numbers plus the previous/next links (the filters kept, empty ones dropped)."""
    last = max(1, (total + size - 1) // size)
    current = max(1, page_no)
    kept = {k: v for k, v in params.items() if v not in (None, "")}

    def link(n: int) -> str:
        return f"{url}?{urlencode({**kept, 'page': n})}"

    return {"page": current, "last": last, "total": total, "offset": (current - 1) * size, "size": size,
            "prev_url": link(current - 1) if current > 1 else None,
            "next_url": link(current + 1) if current < last else None}
