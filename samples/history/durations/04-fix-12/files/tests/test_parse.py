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


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 h 30 m", 5400),
        ("2 hours 5 minutes", 7500),
        ("45 sec", 45),
        ("3 d, 4 h", 273600),
    ],
)
def test_parse_spaced(text, expected):
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


@pytest.mark.skip(reason="ISO 8601 durations (PT1H30M) are not supported yet")
def test_parse_iso8601():
    assert parse_duration("PT1H30M") == 5400


@pytest.mark.xfail(reason="negative durations are not supported", raises=DurationError, strict=True)
def test_parse_negative():
    assert parse_duration("-5m") == -300
