"""Our catalog as CommerceML for a shop site: import.xml (groups, properties, product cards) and
offers.xml (variants with the channel's price and the stock available in its warehouses), the whole
catalog or only what the change log names.

Ids: what came from 1C keeps its 1C Ид (the external id mapping of the channel's `ref_source`, "1c" by
default), so a site that used to exchange with 1C recognises its goods. Everything else gets a GUID
of our own that says what it is (`own_id`): "0000002a-0001-4000-8000-6b6c61646f76" is variant 42 (the
last part spells "kladov"). An offer of a product with several variants is "productId#variantId"; the
only variant of a product is offered under the product's id. `parse_own_id` reads them back (order
lines from the site name these ids).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from server.domain.catalog.properties import decode_value
from server.domain.catalog.tables import Category, PriceType, Variant
from server.domain.channels.channels import Channel
from server.domain.exchange.refs import refs_of
from server.domain.sync.cursors import ChangeBatch
from server.domain.sync.offers import Offer as SyncOffer
from server.domain.sync.offers import Scope, changed_variant_ids, load_offers, offer_pages, scope_of
from server.integrations.commerceml.model import (
    Catalog,
    Characteristic,
    Classifier,
    Group,
    Offer,
    OfferPackage,
    Price,
    Product,
    PropertyDef,
    PropertyValue,
    Requisite,
    TaxRate,
    Unit,
)
from server.integrations.commerceml.model import (
    PriceType as CmlPriceType,
)
from server.integrations.commerceml.writer import DEFAULT_VERSION, CmlWriter

NODE = "6b6c61646f76"  # "kladov"
KIND_CODES = {"product": 0, "variant": 1, "category": 2, "price_type": 3, "property": 4, "classifier": 5,
              "catalog": 6, "customer": 7}
_OWN = re.compile(rf"^([0-9a-f]{{8,16}})-(\d{{4}})-4000-8000-{NODE}$")
_CODE_KINDS = {v: k for k, v in KIND_CODES.items()}
PAGE = 1000
VAT_NAMES = {"none": "Без налога"}


def own_id(kind: str, number: int) -> str:
    return f"{int(number):08x}-{KIND_CODES[kind]:04d}-4000-8000-{NODE}"


def parse_own_id(text: str) -> tuple[str, int] | None:
    """("variant", 42) for an id made by own_id, else None."""
    found = _OWN.match((text or "").strip().lower())
    if not found or int(found.group(2)) not in _CODE_KINDS:
        return None
    return _CODE_KINDS[int(found.group(2))], int(found.group(1), 16)


CLASSIFIER_ID = own_id("classifier", 0)
CATALOG_ID = own_id("catalog", 0)


@dataclass
class CatalogFiles:
    import_xml: bytes | None = None
    offers_xml: bytes | None = None
    products: int = 0
    offers: int = 0
    names: list[str] = field(default_factory=list)  # "import.xml", "offers.xml" — what there is to send


class Ids:
    """External ids for one channel: 1C's where known, our own otherwise."""

    def __init__(self, source: str) -> None:
        self.source = source

    async def of(self, kind: str, internal_ids: Iterable[int]) -> dict[int, str]:
        ids = sorted({int(i) for i in internal_ids})
        known = await refs_of(self.source, kind, ids) if ids else {}
        return {i: (known[i][0] if known.get(i) else own_id(kind, i)) for i in ids}

    async def offer_ids(self, offers: list[SyncOffer]) -> dict[int, str]:
        variants = await self.of("variant", [o.variant_id for o in offers])
        known = await refs_of(self.source, "variant", [o.variant_id for o in offers]) if offers else {}
        products = await self.of("product", [o.product_id for o in offers])
        found = {}
        for o in offers:
            if known.get(o.variant_id):
                found[o.variant_id] = variants[o.variant_id]
            elif o.in_group:
                found[o.variant_id] = f"{products[o.product_id]}#{own_id('variant', o.variant_id)}"
            else:
                found[o.variant_id] = products[o.product_id]
        return found


async def variant_offer_ids(variant_ids: Iterable[int], source: str) -> dict[int, str]:
    """The offer ids a channel knows our variants by (order lines sent to it name these)."""
    ids = sorted({int(i) for i in variant_ids})
    if not ids:
        return {}
    rows = await Variant.raw(
        f"SELECT v.id, v.product, (SELECT COUNT(*) FROM variant w WHERE w.product = v.product AND w.archived = {{}}) "
        f"AS n FROM variant v WHERE v.id IN ({_marks(ids)})", False, *ids)
    offers = [SyncOffer(variant_id=r["id"], product_id=r["product"], sku="", product_name="", variant_name="",
                        price=None, available=0, in_group=int(r["n"]) > 1) for r in rows]
    return await Ids(source).offer_ids(offers)


def _marks(values: list) -> str:
    return ", ".join("{}" for _ in values)


def _kg(grams: int) -> Decimal | None:
    return (Decimal(grams) / 1000) if grams else None


# --- import.xml ------------------------------------------------------------------------------------

async def _classifier(ids: Ids, property_ids: set[int]) -> Classifier:
    rows = await Category.select(Category.id, Category.name, Category.parent).order_by(Category.sort).order_by(
        Category.id)
    ext = await ids.of("category", [r["id"] for r in rows])
    nodes = {r["id"]: Group(id=ext[r["id"]], name=r["name"]) for r in rows}
    roots = []
    for r in rows:
        parent = nodes.get(r["parent"]) if r["parent"] else None
        (parent.groups if parent is not None else roots).append(nodes[r["id"]])
    properties = []
    if property_ids:
        props = sorted(property_ids)
        prop_ext = await ids.of("property", props)
        found = await Variant.raw(f"SELECT id, name, kind FROM property WHERE id IN ({_marks(props)}) ORDER BY id",
                                  *props)
        properties = [PropertyDef(id=prop_ext[r["id"]], name=r["name"],
                                  value_type="Число" if r["kind"] == "number" else "Строка") for r in found]
    return Classifier(id=CLASSIFIER_ID, name="Классификатор (Кладовка)", groups=roots, properties=properties)


async def _cards(product_ids: list[int], ids: Ids) -> tuple[list[Product], set[int]]:
    if not product_ids:
        return [], set()
    rows = await Variant.raw(
        "SELECT p.id, p.name, p.description, p.category, p.vat, p.weight_g, p.archived, u.code AS unit_code, "
        f"u.name AS unit_name FROM product p LEFT JOIN unit u ON u.id = p.unit WHERE p.id IN ({_marks(product_ids)}) "
        "ORDER BY p.id", *product_ids)
    skus = await Variant.raw(f"SELECT product, MIN(sku) AS sku, COUNT(*) AS n FROM variant WHERE product IN "
                             f"({_marks(product_ids)}) AND archived = {{}} GROUP BY product", *product_ids, False)
    single = {r["product"]: r["sku"] for r in skus if int(r["n"]) == 1}
    props = await Variant.raw(
        "SELECT pp.product, pp.prop, pr.kind, pp.value_text, pp.value_number FROM product_property pp JOIN property "
        f"pr ON pr.id = pp.prop WHERE pp.product IN ({_marks(product_ids)}) ORDER BY pp.prop", *product_ids)
    prop_ids = {r["prop"] for r in props}
    prop_ext = await ids.of("property", prop_ids)
    values: dict[int, list[PropertyValue]] = {}
    for r in props:
        value = decode_value(r["kind"], r["value_text"], r["value_number"])
        if value is None or value == "":
            continue
        text = ("да" if value else "нет") if isinstance(value, bool) else str(value)
        values.setdefault(r["product"], []).append(PropertyValue(property_id=prop_ext[r["prop"]], values=[text]))
    ext = await ids.of("product", product_ids)
    groups = await ids.of("category", [r["category"] for r in rows if r["category"]])
    cards = []
    for r in rows:
        vat = VAT_NAMES.get(r["vat"], r["vat"])
        cards.append(Product(
            id=ext[r["id"]], name=r["name"], sku=single.get(r["id"], ""),
            unit=Unit(code=r["unit_code"] or "796", name=r["unit_name"] or "шт"),
            group_ids=[groups[r["category"]]] if r["category"] else [], description=r["description"] or "",
            properties=values.get(r["id"], []), taxes=[TaxRate(name="НДС", rate=vat)] if vat else [],
            requisites=[Requisite("ВидНоменклатуры", "Товар"), Requisite("ТипНоменклатуры", "Товар"),
                        Requisite("Полное наименование", r["name"])],
            weight=_kg(int(r["weight_g"] or 0)), deleted=bool(r["archived"])))
    return cards, prop_ids


async def _import_xml(pages: AsyncIterator[list[int]], property_ids: set[int], ids: Ids, *, only_changes: bool,
                      version: str, encoding: str) -> tuple[bytes, int]:
    """import.xml: the classifier (groups and the given properties), then the products page by page."""
    out = io.BytesIO()
    count = 0
    with CmlWriter(out, version=version, encoding=encoding) as w:
        w.classifier(await _classifier(ids, property_ids))
        w.begin_catalog(Catalog(id=CATALOG_ID, classifier_id=CLASSIFIER_ID, name="Каталог товаров",
                                only_changes=only_changes))
        async for page in pages:
            for card in (await _cards(page, ids))[0]:
                w.product(card)
                count += 1
        w.end_catalog()
    return out.getvalue(), count


async def _listed(items: list) -> AsyncIterator:
    for item in items:
        yield item


async def _all_product_ids() -> AsyncIterator[list[int]]:
    last = 0
    while True:
        rows = await Variant.raw("SELECT id FROM product WHERE id > {} ORDER BY id LIMIT {}", last, PAGE)
        if not rows:
            return
        yield [r["id"] for r in rows]
        last = rows[-1]["id"]


async def _used_properties(product_ids: list[int]) -> set[int]:
    if not product_ids:
        return set()
    rows = await Variant.raw(f"SELECT DISTINCT prop FROM product_property WHERE product IN ({_marks(product_ids)})",
                             *product_ids)
    return {r["prop"] for r in rows}


# --- offers.xml ------------------------------------------------------------------------------------

async def _price_type(channel: Channel, ids: Ids, scope: Scope) -> CmlPriceType | None:
    if scope.price_type_id is None:
        return None
    row = await PriceType.select(PriceType.name).where(PriceType.id == scope.price_type_id).first()
    ext = await ids.of("price_type", [scope.price_type_id])
    return CmlPriceType(id=ext[scope.price_type_id], name=row["name"] if row else channel.price_type, currency="RUB")


async def _offers(offers: list[SyncOffer], ids: Ids, price_type: CmlPriceType | None) -> list[Offer]:
    if not offers:
        return []
    variant_ids = [o.variant_id for o in offers]
    rows = await Variant.raw(f"SELECT id, characteristics FROM variant WHERE id IN ({_marks(variant_ids)})",
                             *variant_ids)
    chars = {}
    for r in rows:
        value = r["characteristics"]
        chars[r["id"]] = json.loads(value) if isinstance(value, str) else (value or {})
    offer_ids = await ids.offer_ids(offers)
    out = []
    for o in offers:
        name = f"{o.product_name} ({o.variant_name})" if o.variant_name else o.product_name
        prices = [Price(price_type_id=price_type.id, amount=o.price, currency="RUB", unit="шт", factor="1")
                  ] if price_type is not None and o.price is not None else []
        out.append(Offer(id=offer_ids[o.variant_id], name=name, sku=o.sku, barcodes=list(o.barcodes),
                         unit=Unit(code="796", name="шт"),
                         characteristics=[Characteristic(name=str(k), value=str(v))
                                          for k, v in chars.get(o.variant_id, {}).items() if str(v)],
                         prices=prices, quantity=Decimal(max(o.available, 0)), deleted=o.archived))
    return out


async def _offers_xml(pages: AsyncIterator[list[SyncOffer]], channel: Channel, ids: Ids, scope: Scope, *,
                      only_changes: bool, version: str, encoding: str) -> tuple[bytes, int]:
    price_type = await _price_type(channel, ids, scope)
    out = io.BytesIO()
    count = 0
    with CmlWriter(out, version=version, encoding=encoding) as w:
        w.begin_package(OfferPackage(id=f"{CATALOG_ID}#", name="Пакет предложений", catalog_id=CATALOG_ID,
                                     classifier_id=CLASSIFIER_ID, only_changes=only_changes,
                                     price_types=[price_type] if price_type else []))
        async for page in pages:
            for offer in await _offers(page, ids, price_type):
                w.offer(offer)
                count += 1
        w.end_package()
    return out.getvalue(), count


# --- the two kinds of upload -----------------------------------------------------------------------

def _format(channel: Channel) -> tuple[str, str]:
    version = str(channel.settings.get("version") or DEFAULT_VERSION)
    encoding = str(channel.settings.get("encoding") or "utf-8")
    return version, encoding


def ref_source(channel: Channel) -> str:
    return str(channel.settings.get("ref_source") or "1c")


async def full_catalog(channel: Channel) -> CatalogFiles:
    """Everything: every product card, every variant's offer (archived ones marked deleted)."""
    ids, scope = Ids(ref_source(channel)), await scope_of(channel)
    version, encoding = _format(channel)
    files = CatalogFiles()
    every_property = {r["id"] for r in await Variant.raw("SELECT id FROM property")}
    files.import_xml, files.products = await _import_xml(_all_product_ids(), every_property, ids,
                                                         only_changes=False, version=version, encoding=encoding)
    files.offers_xml, files.offers = await _offers_xml(offer_pages(scope), channel, ids, scope, only_changes=False,
                                                       version=version, encoding=encoding)
    files.names = ["import.xml", "offers.xml"]
    return files


async def changed_catalog(channel: Channel, batch: ChangeBatch) -> CatalogFiles:
    """Only what changed: the changed cards in import.xml, the offers whose price, stock or card
    changed in offers.xml (both "СодержитТолькоИзменения"); a file with nothing to say is left out."""
    ids, scope = Ids(ref_source(channel)), await scope_of(channel)
    version, encoding = _format(channel)
    files = CatalogFiles()
    if batch.product_cards:
        products = sorted(batch.product_cards)
        pages = _listed([products[i:i + PAGE] for i in range(0, len(products), PAGE)])
        files.import_xml, files.products = await _import_xml(pages, await _used_properties(products), ids,
                                                             only_changes=True, version=version, encoding=encoding)
        files.names.append("import.xml")
    variant_ids = await changed_variant_ids(batch)
    if variant_ids:
        offers = await load_offers(variant_ids, scope)
        pages = _listed([offers[i:i + PAGE] for i in range(0, len(offers), PAGE)])
        files.offers_xml, files.offers = await _offers_xml(pages, channel, ids, scope, only_changes=True,
                                                           version=version, encoding=encoding)
        files.names.append("offers.xml")
    return files
