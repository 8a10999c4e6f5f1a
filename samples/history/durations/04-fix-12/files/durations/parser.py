"""Turn strings like "1h30m" or "2d, 4h" into a number of seconds."""

import re

from .errors import DurationError
from .units import unit_seconds

_TOKEN = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
_SEPARATORS = " ,\t"


def parse_duration(text):
    """Return the total number of seconds in ``text`` as a float.

    A duration is a sequence of ``<number><unit>`` terms, optionally separated
    by spaces or commas: ``"1h30m"``, ``"2d, 4h"``, ``"1.5h"``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    s = text.strip()
    if not s:
        raise DurationError("empty duration")

    total = 0.0
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None:
            raise DurationError(f"invalid duration {text!r} at position {pos}")
        total += float(m.group(1)) * unit_seconds(m.group(2))
        pos = m.end()
        while pos < len(s) and s[pos] in _SEPARATORS:
            pos += 1
    return total
