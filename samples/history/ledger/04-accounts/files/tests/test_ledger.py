import datetime

import pytest

from ledger import Ledger, LedgerError, Money, UnbalancedTransaction

DAY = datetime.date(2023, 5, 1)


def eur(text):
    return Money.parse(f"{text} EUR")


@pytest.fixture
def book():
    book = Ledger()
    book.post(DAY, "Salary", [("assets:bank", eur("2500")), ("income:salary", eur("-2500"))])
    book.post(DAY, "Cash withdrawal", [("assets:cash", eur("200")), ("assets:bank", eur("-200"))])
    book.post(DAY, "Groceries", [("expenses:food", eur("45.20")), ("assets:cash", eur("-45.20"))])
    return book


def test_post_records_transaction(book):
    assert len(book.transactions) == 3
    assert book.transactions[0].description == "Salary"


def test_post_rejects_unbalanced():
    with pytest.raises(UnbalancedTransaction):
        Ledger().post(DAY, "Oops", [("assets:bank", eur("10")), ("income:gift", eur("-9.99"))])


def test_post_needs_two_postings():
    with pytest.raises(LedgerError):
        Ledger().post(DAY, "Lonely", [("assets:bank", eur("0"))])


@pytest.mark.parametrize("name", ["Assets", "assets:", ":bank", "assets::bank", "assets bank"])
def test_invalid_account_names(name):
    with pytest.raises(LedgerError):
        Ledger().post(DAY, "x", [(name, eur("1")), ("income:x", eur("-1"))])


def test_balance_of_account(book):
    assert book.balance("assets:bank", "EUR") == eur("2300")
    assert book.balance("expenses:food", "EUR") == eur("45.20")


def test_balance_includes_subaccounts(book):
    assert book.balance("assets", "EUR") == eur("2454.80")


def test_balance_does_not_include_siblings(book):
    book.post(DAY, "Savings", [("assets:bankruptcy-fund", eur("100")), ("assets:bank", eur("-100"))])
    assert book.balance("assets:bank", "EUR") == eur("2200")
    assert book.balance("assets:bankruptcy-fund", "EUR") == eur("100")


def test_balance_in_other_currency_is_zero(book):
    assert book.balance("assets", "USD") == Money.zero("USD")


def test_accounts(book):
    assert book.accounts() == ["assets:bank", "assets:cash", "expenses:food", "income:salary"]
