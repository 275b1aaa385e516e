"""The courier app is installable on its own: its manifest (Russian, its scope, icons of the declared sizes),
its service worker (scope /courier/, the courier recipes, a precache of files that exist) and its offline
page, all public; the app's pages link the manifest."""

from __future__ import annotations

import io
import json
import re

from PIL import Image

from server.routes.pwa import PWA_APPS


async def test_the_courier_manifest_is_russian_scoped_and_has_its_icons(client):
    response = await client.get("/courier/manifest.webmanifest")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["id"], manifest["scope"], manifest["display"]) == ("/courier/", "/courier/", "standalone")
    assert manifest["name"] == "Кладовка — курьер" and manifest["short_name"] == "Курьер"
    assert manifest["start_url"].startswith("/courier/") and manifest["theme_color"] == "#7a3e00"
    assert [s["url"] for s in manifest["shortcuts"]] == ["/courier/"]
    for icon in manifest["icons"]:
        image = await client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        width, height = Image.open(io.BytesIO(image.content)).size
        assert f"{width}x{height}" == icon["sizes"]
    assert {i["purpose"] for i in manifest["icons"]} == {"any", "maskable"}
    assert (await client.get("/static/courier/icons/apple-touch-icon.png")).status_code == 200


async def test_the_courier_worker_has_its_scope_recipes_and_a_shell_that_exists(client):
    response = await client.get("/courier/sw.js")
    assert response.status_code == 200 and response.headers["service-worker-allowed"] == "/courier/"
    config = json.loads(re.match(r"self\.KLADOVKA_SW = (\{.*?\});\n", response.text).group(1))
    assert config["scope"] == "/courier/" and config["offline"] == "/courier/offline"
    assert "kladovka-courier" in response.text and "build_route_on_map" not in response.text
    assert config["precache"] == PWA_APPS["courier"].precache
    for url in config["precache"]:
        assert (await client.get(url)).status_code == 200, url
    offline = await client.get("/courier/offline")
    assert offline.status_code == 200 and "/courier/" in offline.text
