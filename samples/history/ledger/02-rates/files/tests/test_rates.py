from decimal import Decimal

import pytest

from ledger import Money, RateTable, UnknownRate


@pytest.fixture
def table():
    table = RateTable()
    table.add("EUR", "USD", "1.10")
    table.add("EUR", "JPY", 150)
    return table


def test_direct_rate(table):
    assert table.rate("EUR", "USD") == Decimal("1.10")


def test_inverse_rate(table):
    assert table.rate("USD", "EUR") == 1 / Decimal("1.10")


def test_same_currency(table):
    assert table.rate("USD", "USD") == 1


def test_unknown_rate(table):
    with pytest.raises(UnknownRate):
        table.rate("EUR", "GBP")


def test_rejects_non_positive_rate(table):
    with pytest.raises(ValueError):
        table.add("EUR", "CHF", 0)


def test_convert_rounds_to_cents(table):
    assert table.convert(Money.parse("10.00 USD"), "EUR") == Money.parse("9.09 EUR")
    assert table.convert(Money.parse("3 EUR"), "JPY") == Money.parse("450 JPY")


def test_from_dict():
    table = RateTable.from_dict({"base": "EUR", "rates": {"USD": "1.0866", "GBP": "0.85828"}})
    assert table.rate("EUR", "GBP") == Decimal("0.85828")
