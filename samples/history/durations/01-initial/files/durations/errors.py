class DurationError(ValueError):
    """Raised when a duration string cannot be parsed."""
