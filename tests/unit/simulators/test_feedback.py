"""Feedback simulator: handling steps in order, the handler by category, the working-day targets mostly met."""

from collections import defaultdict
from datetime import datetime, timedelta

from ioc.envelope import Envelope, parse_envelope
from ioc.feeds import registry
from ioc.workdays import vietnam
from simulators import feedback
from simulators.air_quality import LOCAL
from simulators.lifecycles import OfficeClock, Player

START = datetime(2026, 10, 1, tzinfo=LOCAL)
NEXT = {1: {2, 4}, 2: {3, 5}, 3: {2}, 5: {6}}  # refused (4) and published (6) end a report's life


def reports(days: int) -> dict[str, list[Envelope]]:
    player = Player(feedback.lives(42, OfficeClock()), feedback.LIFETIME_DAYS, START)
    out: dict[str, list[Envelope]] = defaultdict(list)
    for record in player.between(START, START + timedelta(days=days)):
        out[record.attributes["feedback_id"]].append(record)
    return out


def test_steps_follow_each_other_and_the_handler_matches_the_category() -> None:
    kind = registry()["feedback"]
    lives = reports(20)
    assert len(lives) > 800
    for events in lives.values():
        stages = [e.attributes["stage"] for e in events]
        assert stages[0] == 1
        for before, after in zip(stages, stages[1:], strict=False):
            assert after in NEXT[before], stages
        if events[0].attributes["category"] == "giao_thong":
            assert events[0].source == "HUE-AG-SXD"
        for event in events:
            parse_envelope(event.to_bytes(), kind, START + timedelta(days=100), timedelta(0))


def test_most_answers_come_within_fifteen_working_days() -> None:
    calendar, on_time, answered = vietnam(), 0, 0
    for events in reports(90).values():
        received = datetime.fromisoformat(events[0].attributes["received_at"]).astimezone(LOCAL)
        answer = [e for e in events if e.attributes["stage"] == 5]
        if answer and received < START + timedelta(days=30):
            answered += 1
            on_time += calendar.between(received.date(), answer[0].ts.astimezone(LOCAL).date()) <= 15
    assert answered > 1000 and 0.8 < on_time / answered < 0.97
