import pytest

from durations import DurationError, UNITS, unit_seconds


def test_unit_seconds_basic():
    assert unit_seconds("s") == 1
    assert unit_seconds("m") == 60
    assert unit_seconds("h") == 3600
    assert unit_seconds("d") == 86400
    assert unit_seconds("w") == 604800


def test_unit_seconds_is_case_insensitive():
    assert unit_seconds("H") == unit_seconds("h")
    assert unit_seconds("Minutes") == 60


def test_unknown_unit():
    with pytest.raises(DurationError, match="unknown unit 'fortnight'"):
        unit_seconds("fortnight")


def test_aliases_agree():
    assert UNITS["hr"] == UNITS["hour"] == UNITS["hours"] == UNITS["h"]
    assert UNITS["sec"] == UNITS["second"] == UNITS["s"]
