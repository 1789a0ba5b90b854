"""The retention setting: days per table over the defaults, errors naming the table or value."""

from __future__ import annotations

import pytest

from ioc.retention import DEFAULTS, RetentionError, parse
from ioc.settings import Settings


def test_the_defaults_keep_what_each_table_serves() -> None:
    assert parse("") == DEFAULTS
    assert DEFAULTS["event"] is not None and DEFAULTS["event"] > 366 * 2  # the 766 index compares two years


def test_a_setting_overrides_some_tables_and_forever_keeps_one() -> None:
    policy = parse(" observation=90, dead_letter=forever ")
    assert policy["observation"] == 90 and policy["dead_letter"] is None and policy["event"] == DEFAULTS["event"]


@pytest.mark.parametrize(
    ("spec", "named"),
    [("observations=90", "'observations' is not one of"), ("observation=0", "observation='0' must be"),
     ("observation=-5", "observation='-5'"), ("observation=1.5", "observation='1.5'"),
     ("observation", "observation=''")],
)  # fmt: skip
def test_a_bad_setting_names_the_table_or_the_value(spec: str, named: str) -> None:
    with pytest.raises(RetentionError, match=named):
        parse(spec)


def test_the_settings_refuse_a_bad_retention_at_start() -> None:
    with pytest.raises(ValueError, match="retention"):
        Settings(retention="observation=soon")
