"""Shared by the order screens: who may do what, the names of methods and actions in the user's
language, the board's filters from the query string."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from server.config import get_settings
from server.domain.audit.log import day_range
from server.domain.orders.queries import OrderFilter
from server.domain.orders.tables import ORDER_STATUSES
from server.routes.manager._common import VIEW_ROLES
from server.web.i18n import gettext as _

READ_ROLES = VIEW_ROLES  # the board and the card: managers and cashiers
WRITE_ROLES = {"manager"}  # statuses, payments, re-reservation, the manager in charge, phone orders


def order_labels() -> dict[str, Any]:
    """Payment and delivery methods and the buttons of the status changes, in the user's language."""
    return {
        "payment_labels": {"cash_on_delivery": _("Cash on delivery"), "card_on_delivery": _("Card on delivery"),
                           "sbp": _("Faster Payments (SBP)"), "prepaid_online": _("Paid online in advance"),
                           "invoice": _("Bank transfer by invoice")},
        "delivery_labels": {"courier": _("Courier delivery"), "pickup": _("Pickup from the shop"),
                            "post": _("Delivery by post"), "transport_company": _("Delivery by a transport company")},
        "action_labels": {"confirmed": _("Confirm"), "picking": _("Start picking"), "packed": _("Mark as packed"),
                          "out_for_delivery": _("Hand over for delivery"), "delivered": _("Mark as delivered"),
                          "closed": _("Close the order"), "cancelled": _("Cancel the order"),
                          "returned": _("Register a return")},
    }


@dataclass
class BoardFilters:
    status: str = ""
    channel: str = ""
    manager: str = ""
    q: str = ""
    date_from: str = ""  # YYYY-MM-DD in the shop's time zone, as typed
    date_to: str = ""
    zone: str = ""  # "outside" / "no_point": courier orders whose point is in no delivery zone / missing

    def params(self) -> dict[str, str]:
        """The query string that shows this selection (paging links keep it)."""
        named = asdict(self)
        named["from"], named["to"] = named.pop("date_from"), named.pop("date_to")
        return named

    def to_filter(self) -> OrderFilter:
        """Raises ValidationFailed (field "from" / "to") for a date that is not one."""
        since, until = day_range(self.date_from, self.date_to, get_settings().timezone)
        return OrderFilter(status=self.status, channel=self.channel, manager=self.manager, query=self.q,
                           since=since, until=until, zone_status=self.zone)


def board_filters(status: str, channel: str, manager: str, q: str, date_from: str, date_to: str,
                  zone: str = "") -> BoardFilters:
    """The filters as given in the URL, cut to size (an unknown status is no filter)."""
    return BoardFilters(status=status if status in ORDER_STATUSES else "", channel=channel.strip()[:32],
                        manager=manager.strip()[:64], q=q.strip()[:200], date_from=date_from.strip()[:10],
                        date_to=date_to.strip()[:10], zone=zone if zone in ("outside", "no_point", "in_zone") else "")
