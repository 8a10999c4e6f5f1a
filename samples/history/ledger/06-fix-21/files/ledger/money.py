"""An amount of money in one currency."""

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from .errors import CurrencyMismatch, LedgerError

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(str(self.amount)))
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise LedgerError(f"invalid currency code {self.currency!r}")

    @classmethod
    def parse(cls, text):
        """Parse ``"12.50 EUR"``."""
        try:
            amount, currency = text.split()
            return cls(Decimal(amount), currency)
        except (ValueError, InvalidOperation):
            raise LedgerError(f"cannot parse money {text!r}") from None

    @classmethod
    def zero(cls, currency):
        return cls(Decimal(0), currency)

    def __add__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        self._check_same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self):
        return Money(-self.amount, self.currency)

    def __lt__(self, other):
        self._check_same_currency(other)
        return self.amount < other.amount

    def _check_same_currency(self, other):
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def rounded(self):
        """The amount rounded to cents (banker's rounding)."""
        return Money(self.amount.quantize(CENT, rounding=ROUND_HALF_EVEN), self.currency)

    def __str__(self):
        return f"{self.rounded().amount} {self.currency}"
