from datetime import UTC, datetime

import pytest

from dashboard.auth import LoginThrottle, owned_feeds
from ioc import users
from ioc.apikeys import ApiKey


def test_five_failures_lock_a_name_and_address_for_the_window_then_it_may_try_again() -> None:
    throttle = LoginThrottle(attempts=5, seconds=900)
    who = ("an", "10.0.0.1")
    for n in range(5):
        assert throttle.retry_after(who, 100.0 + n) == 0
        throttle.failed(who, 100.0 + n)
    assert throttle.retry_after(who, 110.0) == pytest.approx(890.0)
    assert throttle.retry_after(("an", "10.0.0.2"), 110.0) == 0  # another address is not locked out
    assert throttle.retry_after(who, 1000.0) == 0  # the first failure left the window
    throttle.succeeded(who)
    assert throttle.retry_after(who, 101.0) == 0


@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("Nguyen An", "operator", "long enough pw", "username"),
        ("-an", "operator", "long enough pw", "username"),
        ("an", "root", "long enough pw", "role"),
        ("an", "operator", "short", "password"),
        ("an", "operator", " padded password ", "password"),
    ],
)
def test_a_new_user_is_refused_naming_the_field(username: str, role: str, password: str, field: str) -> None:
    with pytest.raises(users.UserError, match=f"^{field}:"):
        users.check_new(username, role, password)


def test_passwords_are_argon2id_hashes_that_verify() -> None:
    stored = users.HASHER.hash("mật khẩu đủ dài")
    assert stored.startswith("$argon2id$")
    assert users.HASHER.verify(stored, "mật khẩu đủ dài")


def test_an_integrator_person_sees_the_feeds_of_their_active_keys() -> None:
    def key(feeds: tuple[str, ...] | None, revoked: bool = False) -> ApiKey:
        now = datetime.now(UTC)
        return ApiKey("k", "n", feeds, now, now if revoked else None)

    assert owned_feeds([]) == ()
    assert owned_feeds([key(("hydro",)), key(("traffic", "hydro"))]) == ("hydro", "traffic")
    assert owned_feeds([key(("hydro",)), key(None, revoked=True)]) == ("hydro",)
    assert owned_feeds([key(("hydro",)), key(None)]) is None
