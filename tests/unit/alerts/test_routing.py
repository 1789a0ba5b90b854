"""The routing tree: first match, continue, nested routes, the duty roster, and validation errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.model import Kind, Severity, State, Transition
from alerts.routing import RoutingError, load_routing, parse_routing

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = Path(__file__).parents[3] / "alerts" / "receivers.example.yaml"
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=LOCAL)
MONDAY_NIGHT = datetime(2026, 11, 23, 22, 0, tzinfo=LOCAL)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=LOCAL)


def transition(domain: str = "water", severity: Severity = Severity.WARNING, unit: str = "HUE.KIMLONG",
               at: datetime = MONDAY_NOON) -> Transition:  # fmt: skip
    return Transition(
        fingerprint="p/r|S", seq=1, kind=Kind.FIRED, state=State.FIRING, severity=severity, rule="r",
        rule_type="band", pack="p", domain=domain, source="S", feed="hydro", unit_code=unit, at=at, opened_at=at,
    )  # fmt: skip


def ids(receivers: list[object]) -> list[str]:
    return [r.id for r in receivers]  # type: ignore[attr-defined]


def test_the_example_routes_by_domain_severity_area_and_duty() -> None:
    routing = load_routing(EXAMPLE)
    assert ids(routing.receivers_for(transition())) == ["ban-chi-huy-pctt"]
    critical = transition(severity=Severity.CRITICAL)
    assert ids(routing.receivers_for(critical)) == ["ban-chi-huy-pctt", "truc-ban-ngay"]  # day shift
    assert ids(routing.receivers_for(replace(critical, at=MONDAY_NIGHT))) == ["ban-chi-huy-pctt", "truc-ban-dem"]
    assert ids(routing.receivers_for(replace(critical, at=SATURDAY))) == ["ban-chi-huy-pctt", "truc-ban-dem"]
    air = transition(domain="air")
    assert ids(routing.receivers_for(air)) == ["quan-trac-moi-truong"]
    port = transition(domain="air", unit="HUE.CHANMAY")  # the nested route replaces its parent's receivers
    assert ids(routing.receivers_for(port)) == ["quan-trac-moi-truong", "cang-chan-may"]
    assert routing.receivers["cang-chan-may"].language == "en"
    assert routing.receivers_for(transition(domain="traffic")) == []


def test_nobody_on_duty_falls_back_to_every_receiver_of_the_route() -> None:
    routing = parse_routing(
        {
            "receivers": [
                {"id": "a", "name": "A", "email": "a@example.vn", "on_duty": [{"days": ["sat"], "from": "08:00"}]},
                {"id": "b", "name": "B", "email": "b@example.vn", "on_duty": [{"days": ["sun"]}]},
            ],
            "routes": [{"receivers": ["a", "b"], "duty": True}],
        },
        "r.yaml",
    )
    assert ids(routing.receivers_for(transition(at=SATURDAY))) == ["a"]
    assert ids(routing.receivers_for(transition(at=MONDAY_NOON))) == ["a", "b"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"routes": []}, "r.yaml: expected a mapping with a list 'receivers'"),
        ({"receivers": [{"id": "a", "name": "A"}]}, r"r.yaml.receivers\[0\]: a receiver needs a channel"),
        ({"receivers": [{"id": "a", "name": "A", "email": "x"}]}, r"receivers\[0\].email: 'x' is not an e-mail"),
        ({"receivers": [{"id": "a", "name": "A", "email": "a@b.vn", "language": "fr"}]}, "language: 'fr'"),
        ({"receivers": [{"id": "a", "name": "A", "webhook": {"url": "ftp://x"}}]}, "webhook.url: 'ftp://x'"),
        ({"receivers": [{"id": "a", "name": "A", "email": "a@b.vn", "on_duty": [{"days": ["mo"]}]}]},
         r"on_duty\[0\].days: use mon"),
        ({"receivers": [{"id": "a", "name": "A", "email": "a@b.vn", "on_duty": [{"days": ["mon"], "from": "8h"}]}]},
         r"on_duty\[0\].from: '8h' is not a time"),
        ({"receivers": [{"id": "a", "name": "A", "email": "a@b.vn"}] * 2}, r"receivers\[1\].id: 'a' is listed twice"),
        ({"receivers": [], "routes": [{"receivers": ["z"]}]}, r"routes\[0\].receivers: unknown receiver 'z'"),
        ({"receivers": [], "routes": [{"match": {"colour": "red"}, "receivers": []}]}, r"routes\[0\].match.colour"),
        ({"receivers": [], "routes": [{"match": {"severity": "high"}, "routes": []}]}, r"match.severity: \['high'\]"),
        ({"receivers": [], "routes": [{"match": {"kind": "escalated_twice"}, "routes": []}]},
         r"match.kind: \['escalated_twice'\] are not all of fired"),
    ],
)  # fmt: skip
def test_a_broken_file_is_refused_naming_the_field(data: object, message: str) -> None:
    with pytest.raises(RoutingError, match=message):
        parse_routing(data, "r.yaml")


def test_an_unreadable_file_says_which_setting(tmp_path: Path) -> None:
    with pytest.raises(RoutingError, match="IOC_RECEIVERS_FILE"):
        load_routing(tmp_path / "missing.yaml")


def test_an_unacknowledged_critical_alert_goes_up_to_the_leaders_as_well() -> None:
    routing = load_routing(EXAMPLE)
    escalated = replace(transition(severity=Severity.CRITICAL), kind=Kind.UNACKNOWLEDGED)
    assert ids(routing.receivers_for(escalated)) == ["lanh-dao-trung-tam", "ban-chi-huy-pctt", "truc-ban-ngay"]
    assert "lanh-dao-trung-tam" not in ids(routing.receivers_for(transition(severity=Severity.CRITICAL)))
