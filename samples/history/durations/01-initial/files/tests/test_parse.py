import pytest

from durations import DurationError, parse_duration


@pytest.mark.parametrize(
    "text, expected",
    [
        ("90s", 90),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1.5h", 5400),
        ("1w2d", 777600),
        ("2d, 4h", 187200),
        ("10MIN", 600),
    ],
)
def test_parse(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "h", "10", "1h+", "1 2h"])
def test_invalid(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_unknown_unit_is_reported():
    with pytest.raises(DurationError, match="unknown unit 'parsecs'"):
        parse_duration("3parsecs")


def test_rejects_non_strings():
    with pytest.raises(TypeError):
        parse_duration(90)
