"""The built-in Russian messages: for each order status an e-mail (subject + body), an SMS and a web
push (title + body). The owner's edits are stored over them (NotificationTemplate); "reset" returns
to these. `OTHER` covers a status without a message of its own.

Variables (see message.py): number, status, status_label, customer_name, total, delivery_address,
delivery_window, delivery_date, tracking_url, channel. The tracking link is appended to any e-mail or
SMS whose text lacks it."""

from __future__ import annotations

from dataclasses import dataclass

OTHER = "other"


@dataclass(frozen=True)
class Texts:
    label: str  # the status as the owner's screen names it
    headline: str  # "Заказ № {{ number }} подтверждён"
    sentence: str  # what the e-mail tells in its first paragraph


_STATUSES: dict[str, Texts] = {
    "new": Texts("Новый", "Заказ № {{ number }} принят",
                 "Мы получили ваш заказ на сумму {{ total }} и скоро его подтвердим."),
    "confirmed": Texts("Подтверждён", "Заказ № {{ number }} подтверждён",
                       "Ваш заказ на сумму {{ total }} подтверждён, мы начинаем его собирать."),
    "picking": Texts("Собирается", "Заказ № {{ number }} собираем",
                     "Мы собираем ваш заказ на складе."),
    "packed": Texts("Собран", "Заказ № {{ number }} собран",
                    "Ваш заказ собран и упакован."),
    "out_for_delivery": Texts("Передан курьеру", "Заказ № {{ number }} передан курьеру",
                              "Курьер уже везёт ваш заказ."),
    "delivered": Texts("Доставлен", "Заказ № {{ number }} доставлен",
                       "Ваш заказ доставлен. Спасибо за покупку!"),
    "closed": Texts("Завершён", "Заказ № {{ number }} завершён",
                    "Заказ завершён. Спасибо, что выбрали нас!"),
    "cancelled": Texts("Отменён", "Заказ № {{ number }} отменён",
                       "Ваш заказ отменён. Если это ошибка, ответьте на это письмо."),
    "returned": Texts("Возврат", "Возврат по заказу № {{ number }} оформлен",
                      "Мы оформили возврат по вашему заказу."),
    OTHER: Texts("Другие статусы", "Заказ № {{ number }}: {{ status_label }}",
                 "Новый статус вашего заказа: {{ status_label }}."),
}

STATUS_ORDER = tuple(_STATUSES)

_EMAIL_BODY = """Здравствуйте{% if customer_name %}, {{ customer_name }}{% endif %}!

{sentence}

{% if delivery_window %}
Доставка: {{ delivery_window }}{% if delivery_address %}, {{ delivery_address }}{% endif %}.

{% endif %}
Статус заказа всегда можно посмотреть здесь: {{ tracking_url }}
"""

_WINDOW_STATUSES = {"confirmed", "out_for_delivery"}


def status_label(status: str) -> str:
    return _STATUSES[status].label if status in _STATUSES else status


def known_statuses() -> tuple[str, ...]:
    return STATUS_ORDER


def default_template(status: str, channel: str) -> tuple[str, str]:
    """(subject, body) of the built-in message of a status and channel (OTHER's for an unknown status)."""
    texts = _STATUSES.get(status) or _STATUSES[OTHER]
    if channel == "email":
        return texts.headline, _EMAIL_BODY.replace("{sentence}", texts.sentence)
    if channel == "sms":
        window = " Доставка: {{ delivery_window }}." if status in _WINDOW_STATUSES else ""
        window = "{% if delivery_window %}" + window + "{% endif %}" if window else ""
        return "", texts.headline + "." + window + " {{ tracking_url }}"
    if channel == "push":
        return texts.headline, texts.sentence
    raise ValueError(f"unknown channel {channel!r}")


# What the preview on the owner's screen renders with.
SAMPLE_PAYLOAD = {
    "order_id": 1, "number": "1024", "channel": "site", "from": "new", "to": "confirmed",
    "status_label": "Подтверждён", "notify": True, "at": "2026-11-25T09:30:00+00:00",
    "tracking_token": "sample-tracking-token",
    "customer": {"name": "Анна Петрова", "email": "anna@example.com", "phone": "+79161234567"},
    "total": 245000,
    "delivery": {"address": "Москва, ул. Лесная, 5, кв. 12", "window_start": "2026-11-26T07:00:00+00:00",
                 "window_end": "2026-11-26T11:00:00+00:00"},
}
