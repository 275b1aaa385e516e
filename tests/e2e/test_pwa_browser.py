"""The manager app as an installed PWA in Chromium: installability, the worker, offline, sign-out."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.pages import PAGES_CACHE_PREFIX, SHELL_CACHE_PREFIX, LoginPage, OfflinePage, manager_account

pytestmark = pytest.mark.e2e


async def signed_in(tab):
    username, password = await manager_account()
    shell = await (await LoginPage(tab).open()).sign_in(username, password)
    await shell.open_home()
    await shell.wait_until_controlled()
    return shell


async def test_manager_app_is_installable_and_its_worker_controls_the_pages(tab, browser_ctx):
    await signed_in(tab)
    cdp = await browser_ctx.new_cdp_session(tab)
    errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
    # A fresh Playwright context counts as incognito; nothing else may stand in the way.
    assert [e for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manager/manifest.webmanifest")
    assert manifest["errors"] == []
    icons = await cdp.send("Page.getManifestIcons")
    assert icons.get("primaryIcon"), "no icon Chromium could use for the installed app"
    scope = await tab.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope.endswith("/manager/")
    assert any(name.startswith(SHELL_CACHE_PREFIX) for name in await tab.evaluate("caches.keys()"))


async def test_offline_reload_shows_the_kept_page_then_the_russian_offline_page(tab, browser_ctx):
    shell = await signed_in(tab)
    await tab.reload()  # this load goes through the worker, which keeps the page for offline reading
    await shell.wait_until_kept_for_offline("/manager/")

    await browser_ctx.set_offline(True)
    await tab.reload()
    await expect(shell.current_user).to_have_text("Анна Менеджер")  # the kept page, not an error page
    await expect(shell.offline_banner).to_contain_text("Нет связи с сервером")

    await tab.goto("/manager/documents/987654")  # never opened: the app's own offline page
    offline = OfflinePage(tab)
    await expect(offline.heading).to_have_text("Нет соединения")
    await expect(offline.retry).to_have_attribute("href", "/manager/")
    assert tab.url.endswith("/manager/documents/987654")  # the worker answered, not chrome-error://

    await browser_ctx.set_offline(False)
    await (await shell.open_home()).offline_banner.wait_for(state="detached")


async def test_signing_out_forgets_the_pages_kept_for_offline_reading(tab):
    shell = await signed_in(tab)
    await tab.reload()
    await shell.wait_until_kept_for_offline("/manager/")

    await shell.sign_out()
    names = await tab.evaluate("caches.keys()")
    assert not [n for n in names if n.startswith(PAGES_CACHE_PREFIX)], names
    assert [n for n in names if n.startswith(SHELL_CACHE_PREFIX)], names  # the app shell stays
