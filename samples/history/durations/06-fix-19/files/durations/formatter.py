"""Render a number of seconds as a short human-readable string."""

from .units import DAY, HOUR, MINUTE, WEEK

_PARTS = [("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1)]


def format_duration(seconds, sep=" "):
    """Format ``seconds`` as e.g. ``"1h 30m"``; zero is ``"0s"``.

    Fractions of a second are kept to the millisecond: ``1.25`` is ``"1s 250ms"``.
    """
    if seconds < 0:
        raise ValueError("negative durations cannot be formatted")
    remaining, millis = divmod(round(seconds * 1000), 1000)
    parts = []
    for suffix, size in _PARTS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{suffix}")
    if millis:
        parts.append(f"{millis}ms")
    return sep.join(parts) or "0s"
