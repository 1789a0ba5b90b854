from datetime import timedelta

import pytest

from dashboard.queries import parse_bucket


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1m", timedelta(minutes=1)),
        ("90s", timedelta(seconds=90)),
        ("1h", timedelta(hours=1)),
        ("31d", timedelta(days=31)),
    ],
)
def test_bucket_sizes(text: str, size: timedelta) -> None:
    assert parse_bucket(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [("5", "unit"), ("1w", "unit"), ("5 minutes", "unit"), ("30s", "between"), ("32d", "between"), ("0m", "between")],
)
def test_bad_buckets_say_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_bucket(text)
