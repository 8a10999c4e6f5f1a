"""A small double-entry bookkeeping library."""

from .errors import CurrencyMismatch, LedgerError, UnbalancedTransaction
from .ledger import Ledger, Posting, Transaction
from .money import Money

__all__ = [
    "CurrencyMismatch",
    "Ledger",
    "LedgerError",
    "Money",
    "Posting",
    "Transaction",
    "UnbalancedTransaction",
]
__version__ = "0.1.0"
