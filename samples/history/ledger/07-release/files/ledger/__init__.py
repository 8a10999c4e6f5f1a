"""A small double-entry bookkeeping library."""

from .errors import CurrencyMismatch, LedgerError, UnbalancedTransaction, UnknownRate
from .ledger import Ledger, Posting, Transaction
from .money import Money
from .rates import RateTable

__all__ = [
    "CurrencyMismatch",
    "Ledger",
    "LedgerError",
    "Money",
    "Posting",
    "RateTable",
    "Transaction",
    "UnbalancedTransaction",
    "UnknownRate",
]
__version__ = "0.2.0"
