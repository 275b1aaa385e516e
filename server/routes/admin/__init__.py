"""Owner screens (/manager/admin): users, API tokens, audit log. Owner only."""

from __future__ import annotations


def admin_controllers() -> list:
    from server.routes.admin.audit import AdminAuditController
    from server.routes.admin.home import AdminHomeController
    from server.routes.admin.tokens import AdminTokensController
    from server.routes.admin.users import AdminUsersController

    return [AdminHomeController, AdminUsersController, AdminTokensController, AdminAuditController]
