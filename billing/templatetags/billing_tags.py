from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from billing import stripe_client

register = template.Library()


@register.simple_tag
def payments_configured() -> bool:
    """Whether Stripe keys are set; read from settings, so no query."""
    return stripe_client.payments_configured()


# The symbol written before the amount; other currencies show their code ("CHF 1,250.00").
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


@register.filter
def money(amount: Decimal | int | None, currency: str) -> str:
    """A price for people: thousand separators, the currency's decimals and its
    symbol ("€1,250.00", "CHF 980.00", "¥12,000"), in the active language's
    number format."""
    if amount is None:
        return ""
    code = (currency or "").upper()
    decimals = 0 if code in stripe_client.ZERO_DECIMAL_CURRENCIES else 2
    number = number_format(Decimal(amount), decimal_pos=decimals, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{code} {number}".strip()
