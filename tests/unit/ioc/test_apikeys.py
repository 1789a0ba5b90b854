from datetime import UTC, datetime

from ioc.apikeys import ApiKey, digest, matches, new_key, split_key


def test_a_new_key_splits_into_its_id_and_a_secret_that_matches_its_digest() -> None:
    key_id, key = new_key()
    parts = split_key(key)
    assert parts is not None and parts[0] == key_id
    assert matches(parts[1], digest(parts[1])) and not matches(parts[1] + "x", digest(parts[1]))
    assert new_key()[1] != key


def test_malformed_keys_are_not_split() -> None:
    assert split_key("") is None
    assert split_key("ioc_abc") is None
    assert split_key("xyz_abc_def") is None
    assert split_key("ioc__secret") is None


def test_allows_checks_feeds_and_revocation() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert ApiKey("a", "n", None, now, None).allows("hydro")
    assert ApiKey("a", "n", ("air_quality",), now, None).allows("air_quality")
    assert not ApiKey("a", "n", ("air_quality",), now, None).allows("hydro")
    assert not ApiKey("a", "n", None, now, now).allows("hydro")
