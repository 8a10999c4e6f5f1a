"""Double-entry transactions: the postings of every transaction sum to zero."""

import re
from dataclasses import dataclass

from .errors import LedgerError, UnbalancedTransaction
from .money import Money

_ACCOUNT = re.compile(r"[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)*")


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Money


@dataclass(frozen=True)
class Transaction:
    date: object
    description: str
    postings: tuple


def _check_account(name):
    if not _ACCOUNT.fullmatch(name):
        raise LedgerError(f"invalid account name {name!r}")
    return name


class Ledger:
    def __init__(self):
        self.transactions = []

    def post(self, date, description, postings):
        """Record a transaction; ``postings`` is a list of ``(account, Money)`` pairs."""
        postings = tuple(Posting(_check_account(account), amount) for account, amount in postings)
        if len(postings) < 2:
            raise LedgerError("a transaction needs at least two postings")
        total = sum((p.amount for p in postings), Money.zero(postings[0].amount.currency))
        if total.amount != 0:
            raise UnbalancedTransaction(f"postings of {description!r} sum to {total}")
        transaction = Transaction(date, description, postings)
        self.transactions.append(transaction)
        return transaction

    def accounts(self):
        """Names of every account used so far, sorted."""
        return sorted({p.account for t in self.transactions for p in t.postings})

    def balance(self, account, currency):
        """Sum of the postings to ``account`` and its sub-accounts, in ``currency``.

        ``balance("assets", "EUR")`` includes ``assets:bank`` and ``assets:cash``.
        """
        total = Money.zero(currency)
        for transaction in self.transactions:
            for posting in transaction.postings:
                if posting.amount.currency != currency:
                    continue
                if posting.account == account or posting.account.startswith(account + ":"):
                    total = total + posting.amount
        return total
