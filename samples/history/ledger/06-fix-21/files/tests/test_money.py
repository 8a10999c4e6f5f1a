from decimal import Decimal

import pytest

from ledger import CurrencyMismatch, LedgerError, Money


def test_parse():
    assert Money.parse("12.50 EUR") == Money(Decimal("12.50"), "EUR")


@pytest.mark.parametrize("text", ["12.50", "EUR 12.50", "12,50 EUR", "12.50 eur"])
def test_parse_rejects(text):
    with pytest.raises(LedgerError):
        Money.parse(text)


def test_amount_is_converted_to_decimal():
    assert Money(5, "USD").amount == Decimal("5")


def test_add_and_subtract():
    a = Money.parse("10.00 EUR")
    b = Money.parse("2.50 EUR")
    assert a + b == Money.parse("12.50 EUR")
    assert a - b == Money.parse("7.50 EUR")
    assert -b == Money.parse("-2.50 EUR")


@pytest.mark.parametrize("op", ["add", "sub"])
def test_arithmetic_rejects_other_currency(op):
    a, b = Money.parse("10 EUR"), Money.parse("10 USD")
    with pytest.raises(CurrencyMismatch):
        a + b if op == "add" else a - b


def test_compare_requires_same_currency():
    assert Money.parse("1 EUR") < Money.parse("2 EUR")
    with pytest.raises(CurrencyMismatch):
        Money.parse("1 EUR") < Money.parse("2 USD")


def test_str_rounds_to_cents():
    assert str(Money(Decimal("2.675"), "USD")) == "2.68 USD"
    assert str(Money(Decimal("2.665"), "USD")) == "2.66 USD"
    assert str(Money.zero("JPY")) == "0.00 JPY"
