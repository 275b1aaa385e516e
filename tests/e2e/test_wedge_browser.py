"""Barcode scanners acting as a keyboard, against pwa/manager/static/app.js on a minimal page.

The page is served through Playwright's router under /manager/ (app.js itself comes from the real
server), so these tests pin the script's contract — an element with [data-scan-target] receives the
code and its form is sent as Enter in that field would send it (with the form's first submit button) —
independently of any one screen."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.browser_settings import CONTEXT_ARGS, DEFAULT_TIMEOUT_MS
from tests.e2e.pages import scanner_types

pytestmark = pytest.mark.e2e

EAN = "4006381333931"
CODE128 = "PAL-000123-LOC-A01"
PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Скан</title>
<script src="/static/manager/app.js" defer></script></head>
<body data-offline-text="Нет связи с сервером">
<a href="/manager/wedge/elsewhere" data-testid="link">Куда-то</a>
<form action="/manager/wedge/result" method="get">
  <label for="scan">Штрихкод</label><input id="scan" name="code" data-scan-target data-testid="scan">
  <button type="submit" name="action" value="scan">Добавить</button>
  <button type="submit" name="action" value="save">Сохранить</button>
</form>
<label for="note">Примечание</label><input id="note" name="note" data-testid="note">
</body></html>"""


@pytest.fixture
async def scan_page(chromium, live_url):
    """The minimal page; every form submission is recorded (workers blocked: the router sees all)."""
    context = await chromium.new_context(base_url=live_url, **{**CONTEXT_ARGS, "service_workers": "block"})
    submitted: list[str] = []

    async def serve(route):
        url = route.request.url
        if "/manager/wedge/result" in url:
            submitted.append(url)
            await route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                body='<!doctype html><p data-testid="result">ok</p>')
        elif "/manager/wedge/elsewhere" in url:
            await route.fulfill(status=200, content_type="text/html", body="<p>elsewhere</p>")
        else:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE)

    await context.route(re.compile(r".*/manager/wedge/.*"), serve)
    page = await context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    await page.goto("/manager/wedge/page")  # waits for `load`: the deferred app.js has run
    yield page, submitted
    await context.close()


def result_with(code: str) -> re.Pattern:
    """The form was sent as Enter in the scan field sends it: with its first button (action=scan)."""
    return re.compile(r"/manager/wedge/result\?code=" + re.escape(code) + "&action=scan$")


async def test_keystroke_scan_with_nothing_focused_fills_the_scan_field_and_sends_it(scan_page):
    page, submitted = scan_page
    await scanner_types(page, EAN)
    await expect(page).to_have_url(result_with(EAN))
    assert len(submitted) == 1


async def test_keystroke_scan_while_a_link_has_focus_does_not_follow_the_link(scan_page):
    page, submitted = scan_page
    await page.get_by_test_id("link").focus()
    await scanner_types(page, CODE128)
    await expect(page).to_have_url(result_with(CODE128))


async def test_string_mode_scan_into_the_focused_scan_field_is_sent_without_enter(scan_page):
    page, submitted = scan_page
    await page.get_by_test_id("scan").focus()
    await page.keyboard.insert_text(EAN)  # one beforeinput/input with the whole code, no keydown
    await expect(page).to_have_url(result_with(EAN))
    assert len(submitted) == 1


async def test_slow_typing_is_not_a_scan_and_a_later_scan_carries_only_its_own_code(scan_page):
    page, submitted = scan_page
    await scanner_types(page, "12345", gap_ms=150)  # a person at the keyboard, nothing focused
    await expect(page.get_by_test_id("scan")).to_have_value("")
    await scanner_types(page, EAN)
    await expect(page).to_have_url(result_with(EAN))
    assert len(submitted) == 1 and result_with(EAN).search(submitted[0])


async def test_typing_into_another_field_stays_there(scan_page):
    page, submitted = scan_page
    note = page.get_by_test_id("note")
    await note.focus()
    await scanner_types(page, "Srochno", enter=False)
    await page.keyboard.insert_text(" до обеда")
    await expect(note).to_have_value("Srochno до обеда")
    await expect(page.get_by_test_id("scan")).to_have_value("")
    assert submitted == []
