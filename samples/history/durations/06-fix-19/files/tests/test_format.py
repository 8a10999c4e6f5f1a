import pytest

from durations import format_duration, parse_duration


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (0, "0s"),
        (59, "59s"),
        (90, "1m 30s"),
        (5400, "1h 30m"),
        (90061, "1d 1h 1m 1s"),
        (1209600, "2w"),
        (0.25, "250ms"),
        (90.5, "1m 30s 500ms"),
        (0.0004, "0s"),
    ],
)
def test_format(seconds, expected):
    assert format_duration(seconds) == expected


def test_custom_separator():
    assert format_duration(3661, sep="") == "1h1m1s"


def test_negative_is_rejected():
    with pytest.raises(ValueError):
        format_duration(-1)


@pytest.mark.parametrize("text", ["1h30m", "2d 4h", "1w 1d 1h 1m 1s", "1s 250ms"])
def test_round_trip(text):
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)
