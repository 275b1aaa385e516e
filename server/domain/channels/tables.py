"""Sales channels."""

from piccolo.columns import JSON, Boolean, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

# api: the REST API · phone: orders typed in by a manager · woocommerce / shopify: signed order
# webhooks · commerceml_site: Kladovka plays 1C towards a shop site · commerceml_1c: the shop's own 1C
# exchanges with Kladovka as if it were the site · yml: a Yandex Market Language feed · marketplace
CHANNEL_KINDS = ("api", "phone", "woocommerce", "shopify", "commerceml_site", "commerceml_1c", "yml",
                 "marketplace")


class SalesChannel(Table):
    code = Varchar(length=32, unique=True)  # slug: "site", "woo-main", "yandex-market"
    name = Varchar(length=200)
    kind = Varchar(length=32)  # CHANNEL_KINDS
    active = Boolean(default=True)
    # The webhook HMAC secret or the exchange password, as given (HMAC and Basic auth need the
    # original); never shown in full, never written to the audit log.
    secret = Varchar(length=200, default="")
    settings = JSON(default={})  # see channels.SETTINGS: exchange_url, login, schedule_seconds, …
    created_at = Timestamptz(default=TimestamptzNow())
