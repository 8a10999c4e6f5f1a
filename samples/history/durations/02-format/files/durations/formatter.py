"""Render a number of seconds as a short human-readable string."""

from .units import DAY, HOUR, MINUTE, WEEK

_PARTS = [("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1)]


def format_duration(seconds, sep=" "):
    """Format ``seconds`` as e.g. ``"1h 30m"``; zero is ``"0s"``.

    Fractions of a second are dropped.
    """
    if seconds < 0:
        raise ValueError("negative durations cannot be formatted")
    remaining = int(seconds)
    parts = []
    for suffix, size in _PARTS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{suffix}")
    return sep.join(parts) or "0s"
