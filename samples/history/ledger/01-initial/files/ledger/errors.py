class LedgerError(Exception):
    """Base class of every error raised by this package."""


class UnbalancedTransaction(LedgerError):
    """The postings of a transaction do not sum to zero."""


class CurrencyMismatch(LedgerError, ValueError):
    """Two amounts in different currencies were combined."""
