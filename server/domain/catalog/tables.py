"""Catalog: products, their sellable variants, barcodes and prices.

Money is integer kopecks (BigInt); quantities are integers in the product's unit.
"""

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

VAT_RATES = ("22", "20", "10", "7", "5", "0", "none")  # 22 % from 2026; 5 and 7 % under УСН
PROPERTY_KINDS = ("text", "number", "bool", "choice")
BARCODE_KINDS = ("ean13", "ean8", "upca", "code128", "internal")


class Category(Table):
    name = Varchar(length=200)
    parent = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict)
    external_id = Varchar(length=64, null=True, default=None, unique=True)  # CommerceML Ид
    sort = Integer(default=0)


class Unit(Table):
    code = Varchar(length=8, unique=True)  # OKEI code, e.g. "796" = piece
    name = Varchar(length=32)  # "шт", "кг", "г", "уп"


class Property(Table):
    """A typed characteristic of products (for filters and analog search)."""

    code = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=16, default="text")  # PROPERTY_KINDS
    unit = Varchar(length=16, default="")
    choices = JSON(default=[])


class Product(Table):
    name = Varchar(length=300, index=True)
    description = Text(default="")
    category = ForeignKey(Category, null=True, default=None, on_delete=OnDelete.set_null)
    unit = ForeignKey(Unit, null=True, default=None, on_delete=OnDelete.restrict)
    vat = Varchar(length=8, default="20")  # VAT_RATES
    weight_g = Integer(default=0)
    length_mm = Integer(default=0)
    width_mm = Integer(default=0)
    height_mm = Integer(default=0)
    image_urls = JSON(default=[])
    serial_tracked = Boolean(default=False)
    marking_required = Boolean(default=False)  # Честный ЗНАК
    archived = Boolean(default=False)
    external_id = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ProductProperty(Table):
    product = ForeignKey(Product, index=True)
    prop = ForeignKey(Property)
    value_text = Varchar(length=300, default="")
    value_number = BigInt(null=True, default=None)  # numbers stored scaled by 1000


class Variant(Table):
    """One sellable unit with its own SKU (e.g. "Кения АА, зерно, 250 г")."""

    product = ForeignKey(Product, index=True, on_delete=OnDelete.restrict)
    sku = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=300, default="")  # characteristics summary, e.g. "зерно, 250 г"
    characteristics = JSON(default={})  # {"Помол": "зерно", "Вес": "250 г"}
    search_text = Varchar(length=700, default="")  # casefolded "product name variant name sku" (search.py)
    archived = Boolean(default=False)
    external_id = Varchar(length=80, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Barcode(Table):
    variant = ForeignKey(Variant, index=True)
    code = Varchar(length=64, unique=True, index=True)
    kind = Varchar(length=16, default="ean13")  # BARCODE_KINDS
    multiplier = Integer(default=1)  # package barcodes: one scan = N units


class PriceType(Table):
    code = Varchar(length=32, unique=True)  # "retail", "wholesale", "purchase"
    name = Varchar(length=100)
    sort = Integer(default=0)


class Price(Table):
    variant = ForeignKey(Variant, index=True)
    price_type = ForeignKey(PriceType, on_delete=OnDelete.restrict)
    amount = BigInt(default=0)  # kopecks
    updated_at = Timestamptz(default=TimestamptzNow())
