"""CommerceML 2 (2.03–2.10) and 3.1: one reader and one writer for both exchange roles (formats.md §1).

Pure format code: bytes → dataclasses (`parse_document`, safe against XML bombs and external
entities, windows-1251 and UTF-8 with or without BOM) and dataclasses → bytes (`write_import`,
`write_offers`, `write_orders`, `write_document`, or `CmlWriter` to stream a big catalog).
`to_catalog_import` turns parsed files into the domain's CatalogImport (server.domain.exchange).
"""

from server.integrations.commerceml._xml import CommerceMLError
from server.integrations.commerceml.model import (
    Catalog,
    Characteristic,
    Choice,
    Classifier,
    CmlDocument,
    Contact,
    Counterparty,
    Discount,
    Group,
    Offer,
    OfferPackage,
    Order,
    OrderLine,
    Price,
    PriceType,
    Product,
    PropertyDef,
    PropertyValue,
    Requisite,
    StockLevel,
    TaxRate,
    Unit,
    UnitDef,
    Warehouse,
)
from server.integrations.commerceml.reader import parse_document, parse_orders, read_file
from server.integrations.commerceml.writer import (
    DEFAULT_VERSION,
    CmlWriter,
    write_document,
    write_import,
    write_offers,
    write_orders,
)

__all__ = [
    "DEFAULT_VERSION", "Catalog", "Characteristic", "Choice", "Classifier", "CmlDocument", "CmlWriter",
    "CommerceMLError", "Contact", "Counterparty", "Discount", "Group", "Offer", "OfferPackage", "Order",
    "OrderLine", "Price", "PriceType", "Product", "PropertyDef", "PropertyValue", "Requisite", "StockLevel",
    "TaxRate", "Unit", "UnitDef", "Warehouse", "parse_document", "parse_orders", "read_file",
    "write_document", "write_import", "write_offers", "write_orders",
]
