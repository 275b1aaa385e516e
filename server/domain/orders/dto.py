"""What every channel hands to order intake, and what intake answers (plain dataclasses).

Every channel adapter (REST API, WooCommerce/Shopify webhooks, CommerceML documents from a site or
from 1C, the manager's phone order, demo data) builds an OrderIntake and calls
`server.domain.orders.intake.intake_order(intake, idempotency_key=..., actor=...)`.
Money is integer kopecks; quantities are integers of the variant's unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class CustomerInput:
    name: str = ""
    email: str = ""
    phone: str = ""  # any format; normalised to +7XXXXXXXXXX for de-duplication
    inn: str = ""  # legal entities / sole traders
    company: str = ""


@dataclass
class IntakeLine:
    qty: int
    price: int  # unit price in kopecks, after the line's discount is NOT applied (see discount)
    sku: str = ""  # one of sku / barcode / variant_id identifies the variant
    barcode: str = ""
    variant_id: int | None = None
    discount: int = 0  # kopecks off the whole line
    vat: str | None = None  # "22", "20", "10", "0", "none"; None → the product's rate
    name: str = ""  # as the channel called it (kept for the record)


@dataclass
class DeliveryInput:
    method: str = "courier"  # courier | pickup | post | transport_company
    address: str = ""
    lat: float | None = None  # coordinates are not money: float is fine
    lon: float | None = None
    window_start: datetime | None = None  # UTC
    window_end: datetime | None = None
    cost: int = 0  # kopecks


@dataclass
class PaymentInput:
    method: str = "cash_on_delivery"  # cash_on_delivery | card_on_delivery | sbp | prepaid_online | invoice
    paid: int = 0  # kopecks already paid


@dataclass
class OrderIntake:
    channel: str  # channel code, e.g. "api", "site", "woocommerce", "phone"
    lines: list[IntakeLine]
    external_id: str = ""  # the channel's own order id; ("channel", "external_id") is unique
    customer: CustomerInput = field(default_factory=CustomerInput)
    delivery: DeliveryInput = field(default_factory=DeliveryInput)
    payment: PaymentInput = field(default_factory=PaymentInput)
    comment: str = ""
    warehouse_code: str | None = None  # None → the default shipping warehouse
    placed_at: datetime | None = None  # UTC; None → now


@dataclass(frozen=True)
class IntakeLineResult:
    line_no: int
    variant_id: int
    sku: str
    qty: int
    reserved: int  # shortage = qty - reserved


@dataclass(frozen=True)
class IntakeResult:
    order_id: int
    number: str
    status: str
    created: bool  # False: this was a retry of an earlier intake and nothing new was made
    lines: tuple[IntakeLineResult, ...]
    total: int = 0  # kopecks: goods − discounts + delivery
    tracking_token: str = ""  # the customer's tracking page is /t/<token>
