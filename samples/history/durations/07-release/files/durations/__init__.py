"""Parse and format human-readable durations."""

from .errors import DurationError
from .formatter import format_duration
from .parser import parse_duration
from .units import UNITS, unit_seconds

__all__ = ["DurationError", "UNITS", "format_duration", "parse_duration", "unit_seconds"]
__version__ = "0.2.0"
