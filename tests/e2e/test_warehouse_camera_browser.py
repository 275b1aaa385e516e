"""Camera scanning on the pick screen, with Chromium's fake camera playing a video of a barcode.

Headless Chromium on Linux has no BarcodeDetector, so camera.js falls back to zxing-wasm, loaded on demand
from /static/common/vendor/ (never from a CDN): an EAN-13 (python-barcode) and a DataMatrix marking code
with its group separators (ppf-datamatrix) are rendered to .y4m videos and played as the camera
(`--use-file-for-fake-video-capture`). A stubbed BarcodeDetector checks the other branch: where the browser
has one, zxing is not loaded at all. The fake-camera flags apply to a whole browser, so each video gets a
browser of its own."""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.async_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "domain"))  # picking_helpers' own imports
from picking_helpers import confirmed_order, floor, marked_code  # noqa: E402

from server.domain.picking.lists import create_pick_list  # noqa: E402
from server.domain.picking.tables import PickScan  # noqa: E402
from tests.e2e.browser_settings import DEFAULT_TIMEOUT_MS, LAUNCH_ARGS  # noqa: E402
from tests.e2e.pick_pages import TSD, PickScreen, picker_account, sign_in_picker  # noqa: E402

pytestmark = pytest.mark.e2e
W, H = 640, 480


def _y4m(image, path: Path, frames: int = 5) -> Path:
    """A still picture as a YUV4MPEG2 video (4:2:0; grey, so the chroma planes are flat)."""
    from PIL import Image

    canvas = Image.new("L", (W, H), 255)
    picture = image.convert("L")
    picture.thumbnail((W - 40, H - 40))
    canvas.paste(picture, ((W - picture.width) // 2, (H - picture.height) // 2))
    frame = b"FRAME\n" + canvas.tobytes() + bytes([128]) * (W * H // 2)
    path.write_bytes(f"YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)
    return path


def ean13_video(code: str, folder: Path) -> Path:
    from barcode import EAN13
    from barcode.writer import ImageWriter
    from PIL import Image

    png = io.BytesIO()
    EAN13(code[:12], writer=ImageWriter()).write(png, {"module_width": 0.4, "module_height": 20, "quiet_zone": 6})
    png.seek(0)
    return _y4m(Image.open(png), folder / "ean13.y4m")


def datamatrix_video(text: str, folder: Path) -> Path:
    from PIL import Image
    from ppf.datamatrix import DataMatrix

    matrix = DataMatrix(text).matrix
    size, cell, quiet = len(matrix), 8, 4
    image = Image.new("L", ((size + 2 * quiet) * cell, (len(matrix) + 2 * quiet) * cell), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, ((x + quiet) * cell, (y + quiet) * cell, (x + quiet + 1) * cell, (y + quiet + 1) * cell))
    return _y4m(image, folder / "datamatrix.y4m")


async def _camera_page(chromium_path, live_url, video: Path, init_script: str | None = None):
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(**{**LAUNCH_ARGS, "args": [
        *LAUNCH_ARGS["args"], "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"]})
    context = await browser.new_context(base_url=live_url, permissions=["camera"], **TSD)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    if init_script:
        await context.add_init_script(init_script)
    page = await context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))

    async def close():
        await context.close()
        await browser.close()
        await playwright.stop()

    return page, requested, close


@pytest.fixture
def videos():
    with tempfile.TemporaryDirectory(prefix="kladovka-camera-") as folder:
        yield Path(folder)


async def _open_pick_list(page, *lines):
    await picker_account()
    pick_list = await create_pick_list([await confirmed_order(*lines)], actor="picker")
    await sign_in_picker(page)
    return await PickScreen(page).open(pick_list)


async def test_the_camera_reads_an_ean13_through_zxing_wasm(chromium_path, live_url, videos):
    f = await floor()
    page, requested, close = await _camera_page(chromium_path, live_url, ean13_video(f.codes["KEN-250"], videos))
    try:
        screen = await _open_pick_list(page, ("KEN-250", 3))
        assert not any("zxing" in url for url in requested)  # not loaded with the page
        await page.get_by_test_id("camera-button").click()
        camera = page.get_by_test_id("camera")
        await expect(camera).to_have_attribute("data-decoder", "zxing")
        await expect(screen.picked("KEN-250")).to_have_text("1", timeout=20_000)
        await page.get_by_test_id("camera-close").click()
        await expect(camera).to_have_count(0)
        await screen.answered()
        scans = await PickScan.select(PickScan.code, PickScan.result)
        assert scans and all(s["code"] == f.codes["KEN-250"] for s in scans)
        vendor = [url for url in requested if "zxing" in url]
        assert vendor and all("/static/common/vendor/" in url for url in vendor)  # nothing from a CDN
        assert any(url.endswith(".wasm") for url in vendor)
    finally:
        await close()


async def test_the_camera_reads_a_datamatrix_marking_code_with_its_group_separators(chromium_path, live_url, videos):
    await floor()
    code = marked_code("CAM3+Cd5-eF7g")
    page, _requested, close = await _camera_page(chromium_path, live_url, datamatrix_video(code, videos))
    try:
        screen = await _open_pick_list(page, ("TS-M", 1))
        await page.get_by_test_id("camera-button").click()
        await expect(screen.picked("TS-M")).to_have_text("1", timeout=20_000)
        await page.get_by_test_id("camera-close").click()
        await screen.answered()
        first = await PickScan.select(PickScan.raw, PickScan.result).order_by(PickScan.id).first()
        assert first["result"] == "ok" and first["raw"] == code  # GS kept, nothing to repair
    finally:
        await close()


STUB = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ['ean_13', 'qr_code', 'data_matrix']; }
  constructor(options) { window.__detectorFormats = options.formats; }
  async detect(source) { return [{rawValue: '%s', format: 'ean_13'}]; }
};
"""


async def test_where_the_browser_has_a_barcode_detector_zxing_is_not_loaded(chromium_path, live_url, videos):
    f = await floor()
    video = ean13_video(f.codes["KEN-250"], videos)
    page, requested, close = await _camera_page(chromium_path, live_url, video, STUB % f.codes["KEN-250"])
    try:
        screen = await _open_pick_list(page, ("KEN-250", 3))
        await page.get_by_test_id("camera-button").click()
        await expect(page.get_by_test_id("camera")).to_have_attribute("data-decoder", "native")
        await expect(screen.picked("KEN-250")).to_have_text("1")
        await page.get_by_test_id("camera-close").click()
        assert await page.evaluate("window.__detectorFormats") == ["ean_13", "qr_code", "data_matrix"]
        assert not any("zxing" in url for url in requested)
    finally:
        await close()
