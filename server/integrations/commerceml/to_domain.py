"""Parsed CommerceML files → the domain's CatalogImport (server.domain.exchange.dto).

Files are taken in the order 1C sends them (import/classifier first, then offers, prices, rests);
a later file adds to what an earlier one said about the same offer. Dictionary values (Справочник) are
resolved to their texts here, Bitrix's technical properties (CML2_*) are left out, and prices in
another currency than roubles are left out with a note.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.domain.exchange.dto import (
    CatalogImport,
    GroupData,
    PriceTypeData,
    ProductData,
    PropertyData,
    VariantData,
    WarehouseData,
    is_roubles,
    note_of,
)
from server.errors import ValidationFailed
from server.integrations.commerceml.model import (
    Classifier,
    CmlDocument,
    Group,
    Offer,
    OfferPackage,
    Product,
    PropertyDef,
    Unit,
    UnitDef,
)


def _kind(p: PropertyDef) -> str:
    kind = p.value_type.strip().casefold()
    if kind == "справочник":
        return "text" if p.multiple else "choice"
    return {"число": "number", "булево": "bool", "boolean": "bool"}.get(kind, "text")


class _Builder:
    def __init__(self, source: str) -> None:
        self.out = CatalogImport(source=source)
        self.groups: dict[str, GroupData] = {}
        self.properties: dict[str, PropertyData] = {}
        self.choices: dict[str, dict[str, str]] = {}
        self.price_types: dict[str, PriceTypeData] = {}
        self.warehouses: dict[str, WarehouseData] = {}
        self.units: dict[str, UnitDef] = {}
        self.products: dict[str, ProductData] = {}
        self.skipped_currencies: set[str] = set()

    # --- reference data ---------------------------------------------------------------------------
    def group_tree(self, groups: list[Group], parent: str | None) -> None:
        for g in groups:
            if g.id:
                self.groups[g.id] = GroupData(external_id=g.id, name=g.name, parent_id=parent)
                self.group_tree(g.groups, g.id)

    def classifier(self, c: Classifier) -> None:
        self.group_tree(c.groups, None)
        for p in c.properties:
            if p.id and not p.id.startswith("CML2_"):
                choices = {ch.id: ch.value for ch in p.choices if ch.id and ch.value}
                self.choices.setdefault(p.id, {}).update(choices)
                self.properties[p.id] = PropertyData(external_id=p.id, name=p.name or p.id, kind=_kind(p),
                                                     choices=dict(self.choices[p.id]))
        self.reference(c.price_types, c.warehouses)
        self.units.update({u.id: u for u in c.units if u.id})

    def reference(self, price_types, warehouses) -> None:
        for t in price_types:
            if t.id:
                self.price_types[t.id] = PriceTypeData(external_id=t.id, name=t.name or t.id, currency=t.currency)
        for w in warehouses:
            if w.id:
                self.warehouses[w.id] = WarehouseData(external_id=w.id, name=w.name or w.id, address=w.address)

    def unit(self, unit: Unit | None) -> tuple[str, str]:
        if unit is None:
            return "", ""
        if not unit.code and unit.name in self.units:  # 3.1: the text is the Ид of a classifier unit
            known = self.units[unit.name]
            return (known.code or known.id).strip(), known.short_name
        if not unit.code and unit.name.isdigit():
            return unit.name, ""
        return unit.code.strip(), unit.name or unit.full_name

    def values(self, properties) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for pv in properties:
            if not pv.property_id or pv.property_id.startswith("CML2_"):
                continue
            choices = self.choices.get(pv.property_id, {})
            texts = [choices.get(v, v) for v in pv.values if v]
            if texts:
                found[pv.property_id] = texts
        return found

    # --- goods --------------------------------------------------------------------------------------
    def product(self, p: Product) -> None:
        base = p.id.split("#", 1)[0]
        if not base:
            return
        vat = next((t.rate for t in p.taxes if t.name.casefold() in ("ндс", "vat")), None)
        unit_code, unit_name = self.unit(p.unit)
        card = ProductData(external_id=base, name=p.name, sku=p.sku, description=p.description,
                           group_id=p.group_ids[0] if p.group_ids else None, unit_code=unit_code, unit_name=unit_name,
                           vat=vat, weight_g=int((p.weight * 1000).to_integral_value()) if p.weight is not None else None,
                           image_urls=list(p.images), properties=self.values(p.properties), deleted=p.deleted)
        if "#" in p.id:  # the 2.04 way: a variant described as a product of its own
            variant = VariantData(external_id=p.id, product_id=base, name=p.name, sku=p.sku,
                                  characteristics={c.name: c.value for c in p.characteristics if c.name and c.value},
                                  barcodes=list(p.barcodes), deleted=p.deleted)
            known = self.products.get(base)
            card.variants = [*(known.variants if known else []), variant]
        else:
            card.barcodes = list(p.barcodes)
            known = self.products.get(base)
            card.variants = known.variants if known else []
        self.products[base] = card

    def package(self, pkg: OfferPackage) -> None:
        self.reference(pkg.price_types, pkg.warehouses)
        for offer in pkg.offers:
            if offer.id:
                self.out.offers.append(self.offer(offer))

    def offer(self, o: Offer) -> VariantData:
        prices: dict[str, int] = {}
        for price in o.prices:
            if price.currency and not is_roubles(price.currency):
                self.skipped_currencies.add(price.currency)
                continue
            prices[price.price_type_id] = price.amount
        stock = {}
        for level in o.stock:
            stock[level.warehouse_id] = stock.get(level.warehouse_id, 0) + level.quantity
        if not stock and o.quantity is not None:
            stock[""] = o.quantity
        unit_code, unit_name = self.unit(o.unit)
        return VariantData(external_id=o.id, product_id=o.product_id, name=o.name, sku=o.sku,
                           characteristics={c.name: c.value for c in o.characteristics if c.name and c.value},
                           barcodes=list(o.barcodes), prices=prices, stock=stock, deleted=o.deleted,
                           group_id=o.group_ids[0] if o.group_ids else None, unit_code=unit_code, unit_name=unit_name)

    def finish(self) -> CatalogImport:
        out = self.out
        out.groups = list(self.groups.values())
        out.properties = list(self.properties.values())
        out.price_types = list(self.price_types.values())
        out.warehouses = list(self.warehouses.values())
        out.products = list(self.products.values())
        for currency in sorted(self.skipped_currencies):
            out.notes.append(note_of(ValidationFailed(
                "Prices in %(currency)s are not imported: Kladovka keeps prices in roubles", currency=currency)))
        return out


def to_catalog_import(docs: Iterable[CmlDocument], *, source: str = "1c") -> CatalogImport:
    """One CatalogImport from the files of one upload (import.xml, offers.xml, 3.1's prices/rests …)."""
    builder = _Builder(source)
    flags: list[bool | None] = []
    for doc in docs:
        if doc.classifier is not None:
            builder.classifier(doc.classifier)
        if doc.catalog is not None:
            flags.append(doc.catalog.only_changes)
            for product in doc.catalog.products:
                builder.product(product)
        if doc.package is not None:
            flags.append(doc.package.only_changes)
            builder.package(doc.package)
    builder.out.full = any(flag is False for flag in flags)
    return builder.finish()


__all__ = ["is_roubles", "to_catalog_import"]
