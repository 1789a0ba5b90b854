"""The alert state machine with a fake clock: firing, acknowledge, resolve, re-fire, escalation,
flapping, silences that expire and still let an alert resolve, and the audit of every command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.lifecycle import (
    Alert,
    Command,
    CommandError,
    Labels,
    Policy,
    check_command,
    on_command,
    on_condition,
    on_tick,
)
from alerts.model import Kind, Severity, State, Transition, notifiable
from alerts.rules import Condition

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = Policy(escalate_after=timedelta(minutes=15), flap_window=timedelta(hours=1), flap_count=3)
LABELS = Labels("flood/alarm|G1", "alarm", "band", "flood", "water", "G1", "hydro", "HUE.KIMLONG", "water_level")


def up(severity: Severity = Severity.WARNING) -> Condition:
    return Condition(True, severity, 2.1, 2.0)


DOWN = Condition(False, Severity.INFO, 0.5, 1.0)


def command(action: str, minutes: float = 0, **extra: object) -> Command:
    return Command(id=f"c-{action}-{minutes}", fingerprint=LABELS.fingerprint, action=action, by="op1",
                   at=T0 + timedelta(minutes=minutes), **extra)  # type: ignore[arg-type]  # fmt: skip


def test_fire_acknowledge_resolve_and_fire_again() -> None:
    alert = Alert(LABELS)
    fired = on_condition(alert, up(), T0, POLICY)
    assert [(t.kind, t.state, t.seq) for t in fired] == [(Kind.FIRED, State.FIRING, 1)]
    assert on_condition(alert, up(), T0 + timedelta(minutes=1), POLICY) == []  # still firing: nothing new
    ack = on_command(alert, command("acknowledge", 2), POLICY)
    assert (ack.kind, ack.state, ack.by, ack.command) == (
        Kind.ACKNOWLEDGED,
        State.ACKNOWLEDGED,
        "op1",
        "c-acknowledge-2",
    )
    resolved = on_condition(alert, DOWN, T0 + timedelta(minutes=3), POLICY)
    assert [(t.kind, t.state, t.seq) for t in resolved] == [(Kind.RESOLVED, State.RESOLVED, 3)]
    again = on_condition(alert, up(), T0 + timedelta(minutes=4), POLICY)
    assert [(t.kind, t.seq, t.opened_at) for t in again] == [(Kind.FIRED, 4, T0 + timedelta(minutes=4))]
    assert again[0].id == "flood/alarm|G1#4"


def test_severity_changes_while_open() -> None:
    alert = Alert(LABELS)
    on_condition(alert, up(Severity.WARNING), T0, POLICY)
    assert [t.kind for t in on_condition(alert, up(Severity.CRITICAL), T0, POLICY)] == [Kind.ESCALATED]
    assert [t.kind for t in on_condition(alert, up(Severity.WARNING), T0, POLICY)] == [Kind.DEESCALATED]


def test_two_acknowledges_give_one_state_and_two_audit_entries() -> None:
    alert = Alert(LABELS)
    on_condition(alert, up(), T0, POLICY)
    first = on_command(alert, command("acknowledge", 1), POLICY)
    second = on_command(alert, command("acknowledge", 1.01), POLICY)
    assert (first.seq, second.seq) == (2, 3)
    assert first.state is second.state is alert.state is State.ACKNOWLEDGED


def test_commands_that_cannot_apply_are_refused_with_the_field() -> None:
    alert = Alert(LABELS)
    with pytest.raises(CommandError, match="fingerprint: no alert"):
        check_command(None, command("acknowledge"))
    on_condition(alert, up(), T0, POLICY)
    on_condition(alert, DOWN, T0, POLICY)
    with pytest.raises(CommandError, match="action: the alert is resolved"):
        on_command(alert, command("acknowledge"), POLICY)
    with pytest.raises(CommandError, match="assignee: required"):
        check_command(State.FIRING, command("assign"))
    with pytest.raises(CommandError, match="comment: required"):
        check_command(State.FIRING, command("comment", comment="  "))
    with pytest.raises(CommandError, match="until: a silence needs an end in the future"):
        check_command(State.FIRING, command("silence", 5, until=T0))
    with pytest.raises(CommandError, match="action: 'delete' is not one of"):
        check_command(State.FIRING, command("delete"))
    assert on_command(alert, command("comment", comment="đã kiểm tra"), POLICY).kind is Kind.COMMENTED


def test_critical_unacknowledged_escalates_once_after_the_delay() -> None:
    alert = Alert(LABELS)
    on_condition(alert, up(Severity.CRITICAL), T0, POLICY)
    assert on_tick(alert, T0 + timedelta(minutes=14, seconds=59), POLICY) == []
    escalated = on_tick(alert, T0 + timedelta(minutes=15), POLICY)
    assert [t.kind for t in escalated] == [Kind.UNACKNOWLEDGED] and notifiable(escalated[0])
    assert on_tick(alert, T0 + timedelta(minutes=30), POLICY) == []


def test_acknowledged_or_warning_alerts_do_not_escalate() -> None:
    acked, warning = Alert(LABELS), Alert(LABELS)
    on_condition(acked, up(Severity.CRITICAL), T0, POLICY)
    on_command(acked, command("acknowledge", 1), POLICY)
    on_condition(warning, up(Severity.WARNING), T0, POLICY)
    assert on_tick(acked, T0 + timedelta(hours=1), POLICY) == on_tick(warning, T0 + timedelta(hours=1), POLICY) == []


def test_flapping_holds_back_notifications_but_keeps_the_audit() -> None:
    alert = Alert(LABELS)
    out: list[Transition] = []
    for i in range(4):
        out += on_condition(alert, up(), T0 + timedelta(minutes=10 * i), POLICY)
        out += on_condition(alert, DOWN, T0 + timedelta(minutes=10 * i + 5), POLICY)
    assert [t.flapping for t in out] == [False, False, False, False, True, True, True, True]
    assert [notifiable(t) for t in out] == [True, True, True, True, False, False, False, False]
    calm = on_condition(alert, up(), T0 + timedelta(hours=3), POLICY)  # the window has passed
    assert not calm[0].flapping and notifiable(calm[0])


def test_a_silence_mutes_until_it_expires_and_never_blocks_the_resolve() -> None:
    alert = Alert(LABELS)
    on_condition(alert, up(), T0, POLICY)
    silenced = on_command(alert, command("silence", 1, until=T0 + timedelta(minutes=30)), POLICY)
    assert silenced.kind is Kind.SILENCED and not notifiable(silenced)
    resolved_in = on_condition(alert, DOWN, T0 + timedelta(minutes=10), POLICY)[0]
    assert resolved_in.state is State.RESOLVED and not notifiable(resolved_in)  # resolved, quietly
    fired_after = on_condition(alert, up(), T0 + timedelta(minutes=31), POLICY)[0]
    assert fired_after.kind is Kind.FIRED and notifiable(fired_after)  # the silence has expired


def test_alert_state_round_trips_through_json() -> None:
    alert = Alert(LABELS)
    on_condition(alert, up(), T0, POLICY)
    on_command(alert, command("silence", 1, until=T0 + timedelta(minutes=30)), POLICY)
    assert Alert.from_dict(alert.to_dict()) == alert
    t = on_command(alert, command("assign", 2, assignee="Trực ban"), POLICY)
    assert Transition.from_dict(t.to_dict()) == t


def test_escalation_counts_from_when_the_alert_was_raised_not_from_old_event_times() -> None:
    alert = Alert(LABELS)
    now = T0 + timedelta(days=2)
    on_condition(alert, up(Severity.CRITICAL), T0, POLICY, now)  # two-day-old data replayed now
    assert on_tick(alert, now + timedelta(minutes=1), POLICY) == []
    assert [t.kind for t in on_tick(alert, now + timedelta(minutes=15), POLICY)] == [Kind.UNACKNOWLEDGED]
