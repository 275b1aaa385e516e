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
PRICE_ROLES = {"manager"}  # change prices; see purchase prices and costs

VARY = {"Vary": "HX-Request"}
FLASH_KEY = "flash"
PAGE_SIZE = 50
MAX_ROUBLES = 1_000_000_000  # a price typed into a form stays below a billion roubles
DEFAULT_PRICE_TYPES = ("retail", "wholesale", "purchase")


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
    return Template(template, context={**labels(), "money_input": money_input, **context}, status_code=status_code,
                    headers={**VARY, **(headers or {})})


def page(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200,
         headers: dict[str, str] | None = None) -> Template:
    """A full page of the manager app: adds the user, the labels and a pending flash message."""
    full = {"user": principal_of(request), "flash": pop_flash(request), **context}
    return fragment(template, full, status_code=status_code, headers=headers)


def redirect(request: Request, url: str) -> Redirect | ClientRedirect:
    """After a change: HX-Redirect for HTMX, 303 See Other otherwise."""
    if getattr(request, "htmx", None):
        answer = ClientRedirect(redirect_to=url)
        answer.status_code = 200  # a POST handler would otherwise answer 201
        return answer
    return Redirect(url, status_code=303)


def error_messages(exc: DomainError) -> list[str]:
    """Every problem of a DomainError as a sentence in the user's language."""
    if exc.problems:
        return [translate_error(p.message, p.params) for p in exc.problems]
    return [translate_error(exc.message, exc.params)]


def error_flash(exc: DomainError) -> dict[str, Any]:
    """A flash message for a refused change: the headline and, when there are several, each problem."""
    headline = translate_error(exc.message, exc.params)
    details = [translate_error(p.message, p.params) for p in exc.problems]
    return {"level": "error", "message": headline, "messages": [d for d in details if d != headline]}


def errors_by_field(exc: DomainError) -> dict[str, list[str]]:
    """The same sentences grouped by the field they are about ("reason", "lines[2]", "" for none)."""
    found: dict[str, list[str]] = {}
    for p in exc.problems or [exc]:
        found.setdefault(p.field or "", []).append(translate_error(p.message, p.params))
    return found


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
    if not amount.is_finite() or abs(amount) >= MAX_ROUBLES or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def money_input(kopecks: int | None) -> str:
    """Kopecks → the text an input shows: "1234,50"."""
    if not kopecks:
        return ""
    return f"{Decimal(int(kopecks)) / 100:.2f}".replace(".", ",")


def sees_costs(request: Request) -> bool:
    """Purchase prices and costs are for managers (and the owner), not for cashiers."""
    principal = principal_of(request)
    return bool(principal and principal.has_any(PRICE_ROLES))


def price_rows(card: dict) -> list[dict[str, str]]:
    """The price types a card shows, in order: the card's own list when it has one ({"code","name"}),
    else the default types plus any other type a variant has a price of."""
    names = labels()["price_labels"]  # the default types in the user's language
    given = card.get("price_types")
    if given:
        return [{"code": t["code"], "name": names.get(t["code"]) or t.get("name") or t["code"]} for t in given]
    codes = list(DEFAULT_PRICE_TYPES)
    for variant in card.get("variants") or []:
        codes.extend(c for c in (variant.get("prices") or {}) if c not in codes)
    return [{"code": c, "name": names.get(c, c)} for c in codes]


def page_number(value: Any) -> int:
    """?page= as typed in a URL: a whole number from 1 (anything else is page 1)."""
    return max(1, min(to_int(value, 1) or 1, 100_000))


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
