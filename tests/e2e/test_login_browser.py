"""Signing in through the real login form."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.pages import LoginPage, manager_account

pytestmark = pytest.mark.e2e


async def test_a_manager_signs_in_and_lands_in_the_manager_app(tab):
    username, password = await manager_account("anna", "s3cret-password", "Анна Петрова")
    login = await LoginPage(tab).open()
    shell = await login.sign_in(username, password)
    await expect(shell.current_user).to_have_text("Анна Петрова")
    await expect(shell.nav).to_be_visible()
