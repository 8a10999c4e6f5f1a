"""Conversions with a rates file as published by the ECB (quoted against EUR)."""

import pathlib
from decimal import Decimal

import pytest

from ledger import Money, RateTable, UnknownRate

RATES = pathlib.Path(__file__).parent / "fixtures" / "rates.json"


@pytest.fixture
def table():
    return RateTable.from_json(RATES)


def test_rates_from_file(table):
    assert table.rate("EUR", "USD") == Decimal("1.0866")
    assert table.rate("EUR", "GBP") == Decimal("0.85828")


def test_convert_from_base(table):
    assert table.convert(Money.parse("100 EUR"), "JPY") == Money.parse("15716.00 JPY")


def test_convert_to_base(table):
    assert table.convert(Money.parse("108.66 USD"), "EUR") == Money.parse("100.00 EUR")


def test_cross_rate(table):
    assert table.rate("USD", "GBP") == pytest.approx(Decimal("0.85828") / Decimal("1.0866"))


@pytest.mark.parametrize(
    "amount, currency, expected",
    [("100 USD", "GBP", "78.99 GBP"), ("1000 JPY", "CHF", "6.23 CHF")],
)
def test_convert_cross(table, amount, currency, expected):
    assert table.convert(Money.parse(amount), currency) == Money.parse(expected)


def test_unknown_currency(table):
    with pytest.raises(UnknownRate):
        table.rate("USD", "AUD")
