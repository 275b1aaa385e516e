"""The manager PWA's installable parts over HTTP: manifest, icons, service worker, precache list, offline page."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import login
from PIL import Image

from server.domain.users.accounts import create_user
from server.routes.pwa import PWA_APPS, _static_file, service_worker_source

APP = PWA_APPS["manager"]
CYRILLIC = re.compile("[А-Яа-яЁё]")
APP_JS = Path(__file__).resolve().parents[2] / "pwa" / "manager" / "static" / "app.js"


def _media_type(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def _worker_config(source: str) -> dict:
    match = re.match(r"self\.KLADOVKA_SW = (\{.*?\});\n", source)
    assert match, source[:200]
    return json.loads(match.group(1))


async def test_manifest_has_what_installation_needs(client):
    response = await client.get("/manager/manifest.webmanifest")
    assert response.status_code == 200
    assert _media_type(response) == "application/manifest+json"
    manifest = response.json()
    assert manifest["id"] == "/manager/" and manifest["scope"] == "/manager/"
    assert manifest["start_url"].startswith(manifest["scope"])
    assert manifest["display"] == "standalone"
    assert CYRILLIC.search(manifest["name"]), manifest["name"]  # Russian by default
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    for colour in ("theme_color", "background_color"):
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest[colour]), (colour, manifest[colour])
    declared = {(icon["sizes"], icon["purpose"], icon["type"]) for icon in manifest["icons"]}
    assert {("192x192", "any", "image/png"), ("512x512", "any", "image/png"),
            ("512x512", "maskable", "image/png")} <= declared
    assert all(s["url"].startswith(manifest["scope"]) for s in manifest["shortcuts"])


async def test_manifest_follows_the_language(client):
    russian = (await client.get("/manager/manifest.webmanifest")).json()
    english = (await client.get("/manager/manifest.webmanifest?lang=en")).json()
    assert (russian["lang"], russian["name"]) == ("ru", "Кладовка — менеджер")
    assert (english["lang"], english["name"]) == ("en", "Kladovka — manager")


async def test_manifest_icons_are_pngs_of_the_declared_sizes(client):
    manifest = (await client.get("/manager/manifest.webmanifest")).json()
    for icon in manifest["icons"]:
        response = await client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert _media_type(response) == "image/png", icon["src"]
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG", icon["src"]
        width, height = (int(n) for n in icon["sizes"].split("x"))
        assert image.size == (width, height), (icon["src"], image.size)
        if icon["purpose"] == "maskable":  # full bleed: the corners are painted, not transparent
            rgba = image.convert("RGBA")
            corners = [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)]
            assert all(rgba.getpixel(c)[3] == 255 for c in corners), icon["src"]


async def test_service_worker_is_served_for_its_scope(client):
    response = await client.get("/manager/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["service-worker-allowed"] == "/manager/"
    assert "no-cache" in response.headers["cache-control"]
    config = _worker_config(response.text)
    assert config["app"] == "manager" and config["scope"] == "/manager/"
    assert config["offline"] == "/manager/offline" and config["offline"] in config["precache"]
    assert config["precache"] == APP.precache
    assert "self.kladovka" in response.text and "sw.start()" in response.text  # core + the app's routes


async def test_every_precached_url_exists_and_is_served_with_its_type(client):
    expected = {".css": "text/css", ".js": "text/javascript", ".png": "image/png",
                ".webmanifest": "application/manifest+json"}
    config = _worker_config((await client.get("/manager/sw.js")).text)
    problems = []
    for url in config["precache"]:
        path = _static_file(url)
        if path is not None and not path.is_file():
            problems.append(f"{url}: no file {path}")
        response = await client.get(url)
        want = next((t for suffix, t in expected.items() if url.endswith(suffix)), "text/html")
        if response.status_code != 200 or _media_type(response) != want:
            problems.append(f"{url}: {response.status_code} {response.headers.get('content-type')}, want {want}")
    assert problems == []


async def test_offline_page_is_russian_and_leads_home(client):
    response = await client.get("/manager/offline")
    assert response.status_code == 200
    assert _media_type(response) == "text/html"
    assert '<html lang="ru">' in response.text
    assert "Нет соединения" in response.text
    assert 'href="/manager/"' in response.text and 'data-testid="offline-page"' in response.text


async def test_offline_page_speaks_english_when_asked(client):
    response = await client.get("/manager/offline?lang=en")
    assert "No connection" in response.text and "Нет соединения" not in response.text


async def test_manager_pages_link_the_manifest_script_and_hooks(client):
    await create_user("manager", "demo", ["manager"])
    response = await login(client, "manager")
    assert response.status_code == 200
    html = response.text
    assert '<link rel="manifest" href="/manager/manifest.webmanifest">' in html
    assert '<script src="/static/manager/app.js" defer></script>' in html
    assert re.search(r'data-offline-text="[^"]*[А-Яа-я]', html), "offline banner text missing or not Russian"
    assert "data-sign-out" in html


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_worker_and_page_script_are_valid_javascript(tmp_path):
    worker = tmp_path / "sw.js"
    worker.write_text(service_worker_source(APP), encoding="utf-8")
    for script in (worker, APP_JS):
        result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{script.name}: {result.stderr}"
