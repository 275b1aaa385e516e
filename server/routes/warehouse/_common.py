"""What the warehouse controllers share: who may use the app, and the page helpers of the manager app
(pages vs HTMX fragments, flash messages, redirects), which work the same here."""

from __future__ import annotations

from server.routes.manager._common import (  # noqa: F401 - re-exported for the warehouse controllers
    actor_of,
    error_flash,
    error_messages,
    flash,
    fragment,
    page,
    pop_flash,
    redirect,
    wants_fragment,
)

# Pickers work here; managers (and the owner) may too — a small shop's manager often picks. Nothing in
# this app shows prices, costs or payments: a picker never sees finance.
WAREHOUSE_ROLES = {"picker", "manager"}
OPT = {"roles": WAREHOUSE_ROLES}
