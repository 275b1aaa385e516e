"""What every API v1 controller shares: who may call, the problem document, money in roubles."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from msgspec import Meta

from server.routes.api.body import check_body
from server.web.access import principal_of

# Owner may do everything (see server/web/access.py); these are the other roles let in.
READ_CATALOG = {"roles": {"manager", "picker"}}  # products, warehouses, stock lookups
MANAGE = {"roles": {"manager"}}  # documents (read and write), creating products

MAX_KOPECKS = 10**13  # 100 billion roubles: far beyond any price, well inside BigInt
MAX_QTY = 1_000_000_000  # fits the Integer columns, even multiplied out
MAX_ID = 2_147_483_647  # row ids are 32-bit on PostgreSQL: a larger one can only be unknown

Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
ID_PARAM = Parameter(ge=1, le=MAX_ID)  # path ids: /documents/{document_id}
OFFSET_PARAM = Parameter(ge=0, le=MAX_ID, description="Rows to skip (see next_offset)")
LIMIT_PARAM = Parameter(ge=1, le=200, description="Rows per page")
NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot store or compare text with a NUL character


def text_param(max_length: int, description: str | None = None) -> Any:
    return Parameter(max_length=max_length, pattern=NO_NUL, description=description)


class ErrorItem(msgspec.Struct, omit_defaults=True):
    detail: str
    field: str | None = None
    code: str | None = None
    index: int | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ErrorItem] = []


def _problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type="application/problem+json",
                        generate_examples=False)


PROBLEMS: dict[int, ResponseSpec] = {
    400: _problem_spec("Malformed JSON, a missing field or a value of the wrong type"),
    401: _problem_spec("No valid API token (Authorization: Bearer …)"),
    403: _problem_spec("The token's role does not allow this"),
}
NOT_FOUND = {404: _problem_spec("Not found")}
UNPROCESSABLE = {422: _problem_spec("The data did not pass the checks; `errors` lists every problem")}
CONFLICT = {409: _problem_spec("Conflicts with the current state (duplicate, already posted, not enough stock)")}


class ApiController(Controller):
    """Every API v1 controller: the body is checked field by field before Litestar parses it."""

    before_request = check_body
    security = [{"BearerToken": []}]  # the scheme is declared in server/app.py (OpenAPIConfig components)


def actor(request: Request[Any, Any, Any]) -> str:
    principal = principal_of(request)
    return principal.actor if principal else "api"


def parse_money(value: Decimal) -> int | None:
    """Roubles (a JSON number or a decimal string, parsed as Decimal, never float) → kopecks exactly.
    None when the amount is not a finite number with at most two decimals within range."""
    try:
        if not value.is_finite() or abs(value) >= MAX_KOPECKS // 100:
            return None
        cents = value.quantize(Decimal("0.01"))
        return int(cents * 100) if cents == value else None
    except ArithmeticError:  # InvalidOperation, Overflow
        return None


def format_money(kopecks: int | None) -> str | None:
    """Kopecks → "123.45" (a string, so no client reads a float)."""
    if kopecks is None:
        return None
    sign = "-" if kopecks < 0 else ""
    whole, cents = divmod(abs(int(kopecks)), 100)
    return f"{sign}{whole}.{cents:02d}"


def next_offset(offset: int, count: int, total: int) -> int | None:
    return offset + count if offset + count < total else None
