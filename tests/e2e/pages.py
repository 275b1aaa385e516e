"""Page objects for the browser tests: what a person sees and does, by data-testid and form field names.

Every assertion made through them is a web-first `expect(...)` (it retries until the page catches up)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from server.domain.users.accounts import create_user

PAGES_CACHE_PREFIX = "kladovka-manager-pages-"
SCANNER_GAP_MS = 5  # a wedge scanner's keys come a few ms apart; a person's 100+ ms apart
ENTER = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13,
         "text": "\r", "unmodifiedText": "\r"}
SHELL_CACHE_PREFIX = "kladovka-manager-v"


async def manager_account(username: str = "manager", password: str = "demo-password",
                          full_name: str = "Анна Менеджер") -> tuple[str, str]:
    await create_user(username, password, ["manager"], full_name=full_name)
    return username, password


async def scanner_types(page: Page, text: str, *, gap_ms: float = SCANNER_GAP_MS, enter: bool = True) -> None:
    """Keys as a keyboard-wedge scanner sends them, stamped `gap_ms` apart.

    The keys go through CDP Input.dispatchKeyEvent with explicit timestamps, which become the events'
    `timeStamp`: the page sees exactly the planned rhythm however slowly a busy machine delivers them,
    so a test of "fast keys are a scan, slow keys are a person" does not depend on the machine's load."""
    cdp = await page.context.new_cdp_session(page)
    start = await page.evaluate("(performance.timeOrigin + performance.now()) / 1000")
    keys = [{"key": ch, "text": ch, "unmodifiedText": ch} for ch in text] + ([ENTER] if enter else [])
    try:
        for n, key in enumerate(keys):
            stamp = start + n * gap_ms / 1000
            await cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "timestamp": stamp, **key})
            await cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "timestamp": stamp + 0.001,
                                                      "key": key["key"], "code": key.get("code", "")})
    finally:
        await cdp.detach()


class LoginPage:
    def __init__(self, page: Page):
        self.page = page
        self.username = page.locator('input[name="username"]')
        self.password = page.locator('input[name="password"]')
        self.submit = page.locator('form[action="/login"] [type="submit"]')
        self.error = page.get_by_test_id("login-error")

    async def open(self) -> LoginPage:
        await self.page.goto("/login")
        return self

    async def sign_in(self, username: str, password: str) -> ManagerShell:
        await self.username.fill(username)
        await self.password.fill(password)
        await self.submit.click()
        shell = ManagerShell(self.page)
        await expect(self.page).to_have_url(re.compile(r"/manager/?(\?.*)?$"))
        return shell


class ManagerShell:
    """The frame of every manager page: user, navigation, sign-out, the offline banner, the worker."""

    def __init__(self, page: Page):
        self.page = page
        self.current_user = page.get_by_test_id("current-user")
        self.nav = page.get_by_test_id("main-nav")
        self.sign_out_button = page.get_by_test_id("sign-out")
        self.offline_banner = page.get_by_test_id("offline-banner")

    async def open_home(self) -> ManagerShell:
        await self.page.goto("/manager/")
        await expect(self.current_user).to_be_visible()
        return self

    async def wait_until_controlled(self) -> None:
        """The manager worker is active and controls this page (clients.claim). Installing means
        fetching the whole shell first, the one step here that makes ten requests: on a busy shared
        machine it gets more than the default 10 s."""
        try:
            await self.page.wait_for_function(
                "navigator.serviceWorker.controller !== null"
                " && navigator.serviceWorker.controller.scriptURL.endsWith('/manager/sw.js')", timeout=30_000)
        except PlaywrightTimeoutError:
            raise AssertionError(f"the manager worker did not take control of {self.page.url}: "
                                 f"{await self.worker_state()}") from None

    async def worker_state(self) -> dict:
        return await self.page.evaluate("""async () => {
            const r = await navigator.serviceWorker.getRegistration('/manager/');
            const state = (w) => w ? w.state : null;
            return {controller: !!navigator.serviceWorker.controller, registered: !!r,
                    installing: state(r && r.installing), waiting: state(r && r.waiting),
                    active: state(r && r.active), caches: await caches.keys()};
        }""")

    async def wait_until_kept_for_offline(self, path: str) -> None:
        """The worker has stored `path` among the pages kept for offline reading."""
        await self.page.wait_for_function(
            """async ([prefix, path]) => {
                 for (const name of await caches.keys()) {
                   if (name.startsWith(prefix) && await (await caches.open(name)).match(path)) return true;
                 }
                 return false;
               }""", arg=[PAGES_CACHE_PREFIX, path])

    async def cache_names(self) -> list[str]:
        return await self.page.evaluate("caches.keys()")

    async def sign_out(self) -> LoginPage:
        await self.sign_out_button.click()
        await expect(self.page).to_have_url(re.compile(r"/login(\?.*)?$"))
        return LoginPage(self.page)


class OfflinePage:
    def __init__(self, page: Page):
        self.page = page
        self.card = page.get_by_test_id("offline-page")
        self.heading = self.card.get_by_role("heading", level=1)
        self.retry = self.card.get_by_role("link")


class CatalogPage:
    """/manager/catalog: instant search by name, SKU or barcode; a scanned code + Enter opens the card."""

    def __init__(self, page: Page):
        self.page = page
        self.search = page.get_by_test_id("catalog-search")
        self.rows = page.get_by_test_id("catalog-row")

    async def open(self) -> CatalogPage:
        await self.page.goto("/manager/catalog")
        await expect(self.search).to_be_visible()
        return self

    async def scan_into_search(self, code: str) -> ProductCard:
        """The search field focused, a keyboard-wedge scanner types the code and Enter."""
        await self.search.focus()
        await scanner_types(self.page, code)
        return ProductCard(self.page)


class ProductCard:
    """/manager/catalog/<id>: the product with its variants, barcodes, prices and stock."""

    def __init__(self, page: Page):
        self.page = page
        self.title = page.get_by_test_id("product-name")

    async def open(self, product_id: int) -> ProductCard:
        await self.page.goto(f"/manager/catalog/{product_id}")
        await expect(self.title).to_be_visible()
        return self

    def variant(self, sku: str):
        return self.page.locator(f'[data-testid="variant"][data-sku="{sku}"]')

    def on_hand(self, sku: str, warehouse_id: int):
        """The on-hand cell of one variant in one warehouse."""
        row = self.variant(sku).locator(f'[data-testid="stock-row"][data-warehouse-id="{warehouse_id}"]')
        return row.get_by_test_id("stock-on-hand")


class DocumentEditor:
    """/manager/documents/new?kind=…: the draft lives in the form; a scan adds or counts up a line."""

    def __init__(self, page: Page):
        self.page = page
        self.warehouse = page.get_by_test_id("doc-warehouse")
        self.supplier = page.get_by_test_id("doc-supplier")
        self.scan_field = page.get_by_test_id("scan-input")
        self.lines = page.get_by_test_id("line")
        self.post_button = page.get_by_test_id("post-document")
        self.title = page.get_by_test_id("document-title")
        self.status = page.get_by_test_id("document-status")

    async def open_new(self, kind: str = "receipt") -> DocumentEditor:
        await self.page.goto(f"/manager/documents/new?kind={kind}")
        await expect(self.scan_field).to_be_visible()
        return self

    async def scan(self, code: str, sku: str) -> None:
        """The scan field focused, a wedge scanner types the code and Enter: the line of `sku` appears."""
        await self.scan_field.focus()
        await scanner_types(self.page, code)
        await expect(self.line(sku)).to_have_count(1)

    def line(self, sku: str):
        return self.page.locator(f'[data-testid="line"][data-sku="{sku}"]')

    async def set_line(self, sku: str, *, qty: int, price: str) -> None:
        line = self.line(sku)
        await line.get_by_test_id("line-qty").fill(str(qty))
        await line.get_by_test_id("line-price").fill(price)

    async def post(self) -> None:
        await self.post_button.click()


class ProductForm:
    """/manager/catalog/new: the product's facts and its variants; rows are added by the form's own
    buttons (HTMX swaps the re-rendered form)."""

    def __init__(self, page: Page):
        self.page = page
        self.form = page.get_by_test_id("product-form")
        self.name = page.get_by_test_id("product-name-input")
        self.variants = page.get_by_test_id("variant-form")
        self.save_button = page.get_by_test_id("save-product")

    async def open_new(self) -> ProductForm:
        await self.page.goto("/manager/catalog/new")
        await expect(self.name).to_be_visible()
        return self

    def variant(self, n: int):
        return self.page.locator(f'[data-testid="variant-form"][data-index="{n}"]')

    async def add_variant(self) -> None:
        count = await self.variants.count()
        await self.page.get_by_test_id("add-variant").click()
        await expect(self.variants).to_have_count(count + 1)
        await self._autofocus_done()

    async def _autofocus_done(self) -> None:
        """HTMX swaps the form in, then, when it settles a moment later, focuses the re-rendered form's
        `autofocus` field (the new row's first input). Typing before that can land in that field
        instead of the one meant (seen: a characteristic's name typed into the new variant's SKU)."""
        await self.page.wait_for_function(
            "() => { const f = document.getElementById('product-form');"
            " const a = f && f.querySelector('[autofocus]');"
            " return !!f && !f.matches('.htmx-settling, .htmx-swapping') && (!a || document.activeElement === a); }")

    async def add_characteristic(self, n: int) -> None:
        rows = self.variant(n).get_by_test_id("characteristic-row")
        count = await rows.count()
        await self.variant(n).get_by_test_id("add-characteristic").click()
        await expect(rows).to_have_count(count + 1)
        await expect(rows.nth(count).get_by_test_id("char-name")).to_be_focused()

    async def set_characteristic(self, n: int, row: int, name: str, value: str) -> None:
        found = self.variant(n).get_by_test_id("characteristic-row").nth(row)
        await found.get_by_test_id("char-name").fill(name)
        await found.get_by_test_id("char-value").fill(value)

    async def save(self) -> ProductCard:
        await self.save_button.click()
        card = ProductCard(self.page)
        await expect(card.title).to_be_visible()
        return card
