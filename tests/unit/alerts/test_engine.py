"""The engine on plain dicts: the simulator's flood through the shipped packs, commands, ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.engine import AlertEngine
from alerts.lifecycle import Command, Policy
from alerts.model import Kind, Severity, Transition, notifiable
from alerts.packs import SHIPPED, RuleBook, load_packs
from ioc.feeds import registry
from ioc.sources import metadata
from simulators.hydro import GAUGES, readings_between
from simulators.scenario import Scenario

START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def engine() -> AlertEngine:
    return AlertEngine({}, {}, RuleBook(load_packs([SHIPPED], registry())), Policy(), metadata)


def play_flood(e: AlertEngine) -> list[Transition]:
    flood = Scenario("flood", START)
    out: list[Transition] = []
    for env in readings_between(7, START, START + timedelta(hours=40), 300, flood, GAUGES[:1]):
        out += e.observe(env.to_dict(), "obs", 0, env.ts)
    return out


def test_the_flood_scenario_raises_each_alarm_level_then_resolves() -> None:
    out = [t for t in play_flood(engine()) if t.rule == "alarm-level"]
    readings = readings_between(7, START, START + timedelta(hours=40), 300, Scenario("flood", START), GAUGES[:1])
    levels = [1.0, 2.0, 3.5]  # HUE-WL-01 Kim Long

    def first(pred: Any) -> datetime:
        return next(r.ts for r in readings if pred(r.values["water_level"]))

    reach_1 = first(lambda v: v >= levels[0])
    expected = [
        (Kind.FIRED, Severity.INFO, reach_1 + timedelta(minutes=10)),  # `for: 10m` on entering level I
        (Kind.ESCALATED, Severity.WARNING, first(lambda v: v >= levels[1])),
        (Kind.ESCALATED, Severity.CRITICAL, first(lambda v: v >= levels[2])),
    ]
    assert [(t.kind, t.severity, t.at) for t in out[:3]] == expected
    assert out[2].summary["vi"] == "vượt báo động III" and out[2].threshold == 3.5
    assert [t.kind for t in out[3:]] == [Kind.DEESCALATED, Kind.DEESCALATED, Kind.RESOLVED]
    peak = max(readings, key=lambda r: r.values["water_level"]).ts
    assert all(t.at > peak for t in out[3:])
    assert [t.seq for t in out] == list(range(1, 7)) and len({t.fingerprint for t in out}) == 1


def test_the_composite_fires_while_the_river_is_above_a_level_and_rising() -> None:
    out = play_flood(engine())
    [fired, resolved] = [t for t in out if t.rule == "rising-above-alarm"]
    alarm = next(t for t in out if t.rule == "alarm-level" and t.kind is Kind.FIRED)
    rise_end = next(t for t in out if t.rule == "rising-fast" and t.kind is Kind.RESOLVED)
    assert (fired.kind, fired.severity, fired.at) == (Kind.FIRED, Severity.CRITICAL, alarm.at)
    assert fired.summary["vi"] == "Lũ trên mức báo động và đang lên nhanh"
    assert resolved.kind is Kind.RESOLVED and rise_end.at < resolved.at <= rise_end.at + timedelta(minutes=35)


def test_the_rise_rule_fires_on_the_way_up_and_clears() -> None:
    out = [t for t in play_flood(engine()) if t.rule == "rising-fast"]
    assert [t.kind for t in out] == [Kind.FIRED, Kind.RESOLVED]
    assert out[0].at - START < timedelta(hours=6) and out[0].value is not None and out[0].value > 0.2


def test_replaying_the_same_records_changes_nothing() -> None:
    e = engine()
    first = play_flood(e)
    assert first and play_flood(e) == []  # the same readings again: no new transition


def test_commands_and_ticks_touch_only_their_partition() -> None:
    e = engine()
    play_flood(e)
    fingerprint = "flood-alarm-levels/alarm-level|HUE-WL-01"
    t_now = START + timedelta(hours=41)
    resolved = e.command(Command("c1", fingerprint, "acknowledge", "op", t_now), 0)
    assert resolved == [] and e.rejected == 1  # the flood is over: acknowledging a resolved alert is refused
    comment = e.command(Command("c2", fingerprint, "comment", "op", t_now, comment="đã xử lý"), 0)
    assert [t.kind for t in comment] == [Kind.COMMENTED]
    assert e.tick(1, t_now) == []  # another partition's tick does not touch this state
    # The gauge's last reading (by arrival) was at START + 40 h, but this engine only started watching
    # now: silence counts from its first tick, 3 x 300 s later it fires.
    assert all(t.rule != "gauge-silent" for t in e.tick(0, t_now))
    assert e.tick(0, t_now + timedelta(minutes=14)) == []
    silent = e.tick(0, t_now + timedelta(minutes=16))
    assert [(t.rule, t.kind, t.value) for t in silent] == [("gauge-silent", Kind.FIRED, 960)]


def test_the_first_tick_after_a_start_sends_the_recent_transitions_again() -> None:
    e = engine()
    played = play_flood(e)
    restarted = AlertEngine(e.memory, e.alerts, e.book, e.policy, e.meta)  # the state a new worker restores
    again = restarted.tick(0, START + timedelta(hours=40, minutes=1))
    assert {t.id for t in played} <= {t.id for t in again}
    assert all(t in played for t in again if t.rule != "gauge-silent")
    assert restarted.tick(0, START + timedelta(hours=40, minutes=2)) == []


def test_a_silent_source_inhibits_its_other_alerts() -> None:
    e = AlertEngine(
        {}, {}, RuleBook(load_packs([SHIPPED], registry())), Policy(escalate_after=timedelta(hours=20)), metadata
    )
    flood = Scenario("flood", START)
    rising = readings_between(7, START, START + timedelta(hours=13), 300, flood, GAUGES[:1])
    for env in rising:
        e.observe(env.to_dict(), "obs", 0, env.ts)  # arrival = event time
    last = rising[-1].ts
    e.tick(0, last)
    silent = e.tick(0, last + timedelta(minutes=16))
    assert [(t.rule, t.kind, t.inhibited) for t in silent] == [("gauge-silent", Kind.FIRED, False)]
    assert (
        e.tick(0, START + timedelta(hours=30)) == []
    )  # the critical alarm would escalate now, but the gauge is silent
    back = readings_between(
        7, START + timedelta(hours=30), START + timedelta(hours=30, minutes=5), 300, flood, GAUGES[:1]
    )
    returned = e.observe(back[0].to_dict(), "obs", 0, back[0].ts)
    assert returned[0].rule == "gauge-silent" and returned[0].kind is Kind.RESOLVED
    assert all(not t.inhibited for t in returned)  # the silence ended first: the level's news goes out again


def test_a_late_indicator_of_a_silent_station_is_recorded_but_not_notified() -> None:
    e = engine()
    seen = START
    e.observe(
        {"feed": "air_quality", "source": "HUE-AQ-01", "ts": seen.isoformat(), "values": {"pm25": 20}}, "obs", 0, seen
    )
    e.tick(0, seen)
    assert [t.rule for t in e.tick(0, seen + timedelta(minutes=6))] == ["air-station-silent"]
    late_aqi = {"kpi": "vn_aqi_1h", "feed": "air_quality", "source": "HUE-AQ-01", "value": 180,
                "window_end": seen.isoformat()}  # fmt: skip
    [fired] = e.observe(late_aqi, "kpi", 0, seen + timedelta(minutes=7))
    assert (fired.rule, fired.kind, fired.inhibited, notifiable(fired)) == ("aqi-category", Kind.FIRED, True, False)


class CountingDict(dict[str, Any]):
    """A dict that counts writes: each is a changelog message in the worker."""

    writes = 0

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes += 1
        super().__setitem__(key, value)


def test_clock_ticks_that_change_nothing_write_nothing() -> None:
    memory = CountingDict()
    e = AlertEngine(memory, {}, RuleBook(load_packs([SHIPPED], registry())), Policy(), metadata)
    e.observe(
        {"feed": "air_quality", "source": "HUE-AQ-01", "ts": START.isoformat(), "values": {"pm25": 20}}, "obs", 0, START
    )
    assert memory.writes == 2  # the station's arrival (absence) and its PM2.5 history (anomaly)
    for second in range(0, 280, 5):  # quiet, not yet silent: nothing changes
        e.tick(0, START + timedelta(seconds=second))
    assert memory.writes == 2
    for second in range(301, 600, 5):  # silent from 300 s: one write when it turns active, then none
        e.tick(0, START + timedelta(seconds=second))
    assert memory.writes == 3


def test_overdue_dossiers_fire_per_agency_as_the_folded_dossiers_say() -> None:
    """The simulator's dossiers of one agency (a third late) through the shipped public-services pack: on
    the clock, the alert counts the same overdue dossiers as the public-service figures of those events."""
    from ioc.indicators.public_services import fold
    from simulators.dossier import AGENCIES, lives
    from simulators.lifecycles import OfficeClock, Player

    e = engine()
    agency = AGENCIES[0]
    at = START + timedelta(days=20)
    events = Player(lives(3, Scenario("service-backlog", START - timedelta(days=30)), OfficeClock(), (agency,)), 70,
                    START - timedelta(days=30)).between(START - timedelta(days=30), at)  # fmt: skip
    for env in events:
        e.observe(env.to_dict(), "obs", 0, env.ts)
    fired = [t for t in e.tick(0, at) if t.rule == "dossier-overdue"]
    overdue = sorted(
        d.id for d in fold(events).dossiers.values()
        if d.accepted and d.status not in (3, 5, 7, 8, 9, 10) and d.appointment_at and d.appointment_at < at
    )  # fmt: skip
    assert overdue, "the backlog scenario leaves overdue dossiers"
    assert [(t.kind, t.value) for t in fired] == [(Kind.FIRED, float(len(overdue)))]
    assert ", ".join(overdue[:5]) in fired[0].summary["en"]
