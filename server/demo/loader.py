"""Loads the demo shop. Placeholder until the demo data lands: users only."""

from __future__ import annotations


class DemoRefused(Exception):
    pass


async def database_is_empty() -> bool:
    from server.domain.users.tables import User

    return not await User.exists()


async def load_demo(force: bool = False, if_empty: bool = False) -> str:
    from server.domain.users.accounts import create_user

    if not await database_is_empty():
        if if_empty:
            return "demo: the database already has data; nothing loaded"
        if not force:
            raise DemoRefused("the database is not empty; use --force to load the demo anyway")
    for role in ("owner", "manager", "picker", "courier", "cashier"):
        await create_user(role, "demo", [role], full_name=role.capitalize(), actor="demo")
    return "demo: users owner, manager, picker, courier, cashier (password: demo)"
