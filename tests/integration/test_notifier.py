"""The notifier against the real database and a real HTTP receiver: what it decides on once stays decided."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from alerts.model import Kind, Severity, State, Transition
from alerts.routing import parse_routing
from ioc.settings import Settings
from streams.sinks import AlertSink
from tests.infra import query
from tests.receivers import HookReceiver

pytestmark = pytest.mark.integration


async def test_a_transition_sent_again_is_not_notified_to_a_receiver_configured_since(settings: Settings) -> None:
    """After a restart the alert agent sends its alerts' recent transitions again. One the notifier decided
    on before a receiver was configured stays untold to it; the alert's next transition reaches it."""
    import streams.app  # noqa: F401 - first: it imports the agents in the order they import each other
    from streams.notifier import Notifier

    source = f"HANDLED-{uuid.uuid4().hex[:8]}"
    fired_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)

    # In an area of its own: no other test's open incident makes it part of a storm.
    def transition(seq: int, kind: Kind, state: State, at: datetime) -> Transition:
        return Transition(
            f"flood-alarm-levels/alarm-level|{source}", seq, kind, state, Severity.WARNING, "alarm-level", "band",
            "flood-alarm-levels", "water", source, "hydro", f"X{source}.W1", at, fired_at,
        )  # fmt: skip

    fired = transition(1, Kind.FIRED, State.FIRING, fired_at)
    resolved = transition(2, Kind.RESOLVED, State.RESOLVED, fired_at + timedelta(hours=1))
    sink = AlertSink(settings.dsn, timedelta(minutes=60))
    hook = HookReceiver()
    try:
        await sink.write([fired.to_dict(), resolved.to_dict()])
        await Notifier(None, settings.dsn).handle(fired)  # no receivers file yet: decided, nobody told
        routing = parse_routing(
            {"receivers": [{"id": "pctt", "name": "Trực ban PCTT", "webhook": {"url": hook.url}}],
             "routes": [{"match": {"source": [source]}, "receivers": ["pctt"]}]},
            "test",
        )  # fmt: skip
        configured = Notifier(routing, settings.dsn)
        for t in (fired, resolved, fired, resolved):  # the first two sent again after a restart, then both again
            await configured.handle(t)
    finally:
        await sink.close()
        hook.close()
    assert hook.keys() == [f"{resolved.id}:pctt"]
    handled = query(settings, "SELECT transition_id FROM alert_handled WHERE transition_id LIKE %s ORDER BY 1",
                    (f"%|{source}#%",))  # fmt: skip
    assert [row[0] for row in handled] == [fired.id, resolved.id]
