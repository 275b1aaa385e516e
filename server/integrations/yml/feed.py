"""A channel's YML feed (formats.md §6), written as a stream of chunks: the header with the category
tree, then one chunk per page of offers, then the closing tags — memory stays flat for any catalog.

    <yml_catalog date="2026-11-25 16:00"><shop><name/><company/><url/><currencies/><categories/>
      <offers><offer id="<variant id>" available="true|false" [group_id="<product id>"]>
        name, vendorCode (SKU), url, price (roubles "1290.50"), currencyId, categoryId, picture*,
        description, barcode*, param*, weight (kg), dimensions (cm L/W/H)
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from server.config import get_settings
from server.domain.catalog.categories import list_categories
from server.domain.channels.channels import Channel, find_channel
from server.domain.sync.offers import Offer, offer_pages, scope_of
from server.errors import DomainError, NotFound, PermissionDenied

log = logging.getLogger("kladovka.feeds")
CURRENCY = "RUR"
MAX_PICTURES = 10
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class FeedTokenRequired(DomainError):
    status_code = 401
    code = "token_required"


def _t(value: object) -> str:
    """Text content: characters XML 1.0 cannot carry dropped, the rest escaped."""
    return escape(_NOT_XML.sub("", str(value)))


def _a(value: object) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def roubles(kopecks: int) -> str:
    """89050 → "890.50" (exact: integer arithmetic)."""
    sign = "-" if kopecks < 0 else ""
    whole, part = divmod(abs(int(kopecks)), 100)
    return f"{sign}{whole}.{part:02d}"


def _decimal(value: int, divisor: int) -> str:
    text = format(Decimal(value) / divisor, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def offer_xml(offer: Offer, offer_url: str = "") -> str:
    """One <offer> element (simplified type: name, no vendor.model)."""
    attrs = f' id="{offer.variant_id}" available="{"true" if offer.available > 0 else "false"}"'
    if offer.in_group:
        attrs += f' group_id="{offer.product_id}"'
    parts = [f"<offer{attrs}>", f"<name>{_t(offer.name)}</name>", f"<vendorCode>{_t(offer.sku)}</vendorCode>"]
    if offer_url:
        url = offer_url.replace("{sku}", offer.sku).replace("{id}", str(offer.variant_id))
        parts.append(f"<url>{_t(url)}</url>")
    if offer.price is not None:
        parts.append(f"<price>{roubles(offer.price)}</price>")
    parts.append(f"<currencyId>{CURRENCY}</currencyId>")
    if offer.category_id is not None:
        parts.append(f"<categoryId>{offer.category_id}</categoryId>")
    parts += [f"<picture>{_t(url)}</picture>" for url in offer.pictures[:MAX_PICTURES]]
    if offer.description:
        parts.append(f"<description>{_t(offer.description)}</description>")
    parts += [f"<barcode>{_t(code)}</barcode>" for code in offer.barcodes]
    for name, value, unit in offer.params:
        unit_attr = f" unit={_a(unit)}" if unit else ""
        parts.append(f"<param name={_a(name)}{unit_attr}>{_t(value)}</param>")
    if offer.weight_g > 0:
        parts.append(f"<weight>{_decimal(offer.weight_g, 1000)}</weight>")
    if all(offer.dimensions_mm):
        parts.append(f"<dimensions>{'/'.join(_decimal(d, 10) for d in offer.dimensions_mm)}</dimensions>")
    parts.append("</offer>")
    return "".join(parts)


def _header(channel: Channel, categories: list[dict], now: datetime) -> str:
    settings = channel.settings
    local = now.astimezone(ZoneInfo(get_settings().timezone))
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n',
             f'<yml_catalog date="{local:%Y-%m-%d %H:%M}">\n<shop>\n',
             f"<name>{_t(settings.get('shop_name') or channel.name)}</name>\n",
             f"<company>{_t(settings.get('company') or settings.get('shop_name') or channel.name)}</company>\n",
             f"<url>{_t(settings.get('url') or '')}</url>\n",
             "<platform>Kladovka</platform>\n",
             f'<currencies><currency id="{CURRENCY}" rate="1"/></currencies>\n<categories>\n']
    for c in categories:
        parent = f' parentId="{c["parent_id"]}"' if c["parent_id"] is not None else ""
        parts.append(f'<category id="{c["id"]}"{parent}>{_t(c["name"])}</category>\n')
    parts.append("</categories>\n<offers>\n")
    return "".join(parts)


async def yml_feed(channel: Channel, *, now: datetime | None = None) -> AsyncIterator[bytes]:
    """The whole feed as UTF-8 chunks: offers of live, priced variants, page by page."""
    scope = await scope_of(channel)
    yield _header(channel, await list_categories(), now or datetime.now(UTC)).encode()
    offer_url = channel.settings.get("offer_url") or ""
    async for page in offer_pages(scope):
        chunk = "\n".join(offer_xml(o, offer_url) for o in page if o.sellable)
        if chunk:
            yield (chunk + "\n").encode()
    yield b"</offers>\n</shop>\n</yml_catalog>\n"


async def open_feed(feed_name: str, token: str | None) -> Channel:
    """"<code>.yml" and the token from the URL → the channel. Unknown, inactive or feed-less channels
    are NotFound; a missing token FeedTokenRequired (401); a wrong one PermissionDenied (403)."""
    code = feed_name[:-4] if isinstance(feed_name, str) and feed_name.endswith(".yml") else ""
    channel = await find_channel(code) if code else None
    if channel is None or not channel.active or not channel.feed_token:
        raise NotFound("There is no feed %(name)s", name=str(feed_name)[:60])
    if not token:
        raise FeedTokenRequired("Add the feed token to the address: ?token=…")
    if not hmac.compare_digest(token.encode(), channel.feed_token.encode()):
        log.warning("feed %s: wrong token", channel.code)
        raise PermissionDenied("The feed token is wrong")
    return channel
