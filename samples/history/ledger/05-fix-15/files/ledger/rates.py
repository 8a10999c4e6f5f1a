"""Exchange rates and currency conversion."""

import json
from decimal import Decimal

from .errors import UnknownRate
from .money import Money


class RateTable:
    """Exchange rates: ``rate("EUR", "USD")`` is the price of one EUR in USD."""

    def __init__(self):
        self._rates = {}

    def add(self, base, quote, rate):
        rate = Decimal(str(rate))
        if rate <= 0:
            raise ValueError(f"rate {base}/{quote} must be positive, got {rate}")
        self._rates[(base, quote)] = rate

    def rate(self, base, quote):
        """The price of one ``base`` in ``quote``.

        Inverse rates are derived, and so are cross rates through a currency
        that both sides have a rate with (USD->GBP via EUR).
        """
        direct = self._direct(base, quote)
        if direct is not None:
            return direct
        for pivot in self._currencies():
            first = self._direct(base, pivot)
            second = self._direct(pivot, quote)
            if first is not None and second is not None:
                return first * second
        raise UnknownRate(f"no rate from {base} to {quote}")

    def _direct(self, base, quote):
        if base == quote:
            return Decimal(1)
        if (base, quote) in self._rates:
            return self._rates[(base, quote)]
        if (quote, base) in self._rates:
            return 1 / self._rates[(quote, base)]
        return None

    def _currencies(self):
        return sorted({currency for pair in self._rates for currency in pair})

    def convert(self, money, currency):
        """``money`` in ``currency``, rounded to cents."""
        return Money(money.amount * self.rate(money.currency, currency), currency).rounded()

    @classmethod
    def from_dict(cls, data):
        """Build a table from ``{"base": "EUR", "rates": {"USD": "1.08", ...}}``."""
        table = cls()
        for quote, rate in data["rates"].items():
            table.add(data["base"], quote, rate)
        return table

    @classmethod
    def from_json(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))
