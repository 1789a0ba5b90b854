"""Silences: which transitions a maintenance window or an area silence mutes, and the checks of a request."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from alerts.model import Kind, Severity, State
from alerts.silences import Silence, SilenceError, parse_silence
from tests.unit.alerts.test_routing import MONDAY_NOON, transition

NOW = MONDAY_NOON


def silence(**matchers: str) -> Silence:
    return Silence("s1", matchers, NOW - timedelta(hours=1), NOW + timedelta(hours=2), "bảo trì trạm", "trực ban")


def test_a_silence_mutes_what_matches_inside_its_window_only() -> None:
    t = transition(unit="HUE.KIMLONG", at=NOW)
    assert silence(domain="water").mutes(t)
    assert silence(domain="water", source="S", severity="warning").mutes(t)
    assert not silence(domain="air").mutes(t)
    assert not silence(severity="critical").mutes(t)
    assert not silence(domain="water").mutes(replace(t, at=NOW - timedelta(hours=2)))  # before it began
    assert not silence(domain="water").mutes(replace(t, at=NOW + timedelta(hours=2)))  # ends_at is excluded
    # every kind of transition, the resolve too: the alert resolves, nobody is told
    assert silence(domain="water").mutes(replace(t, kind=Kind.RESOLVED, state=State.RESOLVED))
    assert silence(domain="water").mutes(replace(t, kind=Kind.ESCALATED, severity=Severity.CRITICAL))


def test_an_area_is_a_unit_code_or_a_prefix_of_codes() -> None:
    t = transition(unit="HUE.KIMLONG", at=NOW)
    assert silence(unit_code="HUE.KIMLONG").mutes(t)
    assert silence(unit_code="HUE.").mutes(t)  # the whole province
    assert not silence(unit_code="HUE.PHUHOI").mutes(t)
    assert not silence(unit_code="HUE.").mutes(replace(t, unit_code=None))


def test_a_request_becomes_a_silence() -> None:
    body = {"matchers": {"unit_code": "HUE.NAMDONG", "domain": "water"}, "comment": "Bảo trì trạm Thượng Nhật",
            "minutes": 90}  # fmt: skip
    made = parse_silence(body, NOW, "abc", "Trực ban")
    assert (made.starts_at, made.ends_at, made.created_by) == (NOW, NOW + timedelta(minutes=90), "Trực ban")
    past = parse_silence(
        {**body, "minutes": None, "starts_at": "2026-11-23T07:00:00+07:00", "ends_at": "2026-11-23T17:00:00+07:00"},
        NOW, "abc", "Trực ban",
    )  # fmt: skip
    assert past.starts_at.isoformat() == "2026-11-23T07:00:00+07:00"  # a window may have begun already


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "body: must be an object"),
        ({"comment": "x", "minutes": 5}, "matchers: at least one of"),
        ({"matchers": {"area": "HUE."}, "comment": "x", "minutes": 5}, "matchers.area: unknown"),
        ({"matchers": {"source": 5}, "comment": "x", "minutes": 5}, "matchers.source: must be a string"),
        ({"matchers": {"source": "S"}, "minutes": 5}, "comment: say why"),
        ({"matchers": {"source": "S"}, "comment": "x"}, "ends_at: a silence needs an end"),
        ({"matchers": {"source": "S"}, "comment": "x", "minutes": 0}, "minutes: a whole number"),
        ({"matchers": {"source": "S"}, "comment": "x", "ends_at": "2026-11-23T11:00:00+07:00"}, "in the future"),
        ({"matchers": {"source": "S"}, "comment": "x", "ends_at": "2026-11-24T11:00:00"}, "ends_at: an ISO 8601 time"),
        ({"matchers": {"source": "S"}, "comment": "x", "minutes": 60 * 24 * 31}, "at most 30 days"),
    ],
)
def test_a_bad_request_names_its_field(body: object, message: str) -> None:
    with pytest.raises(SilenceError, match=message):
        parse_silence(body, NOW, "abc", "Trực ban")
