"""Dossier simulator: lives that follow the portal's statuses, working-day appointments, a share of late
dossiers, fees paid online; every record valid; the same seed gives the same records."""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from ioc.envelope import Envelope, parse_envelope
from ioc.feeds import registry
from ioc.workdays import vietnam
from simulators import dossier
from simulators.air_quality import LOCAL
from simulators.lifecycles import OfficeClock, Player
from simulators.scenario import NORMAL, Scenario

START = datetime(2026, 9, 1, tzinfo=LOCAL)  # a local midnight: items of the first day are played whole
END = START + timedelta(days=100)
# Which status may follow which (the portal's codes): refused, withdrawn and returned end a life.
NEXT = {1: {2, 3}, 2: {4}, 4: {5, 6, 7, 9}, 5: {4}, 6: {4}, 9: {10}}


def played(scenario=NORMAL, days: int = 30):  # type: ignore[no-untyped-def]
    """The dossiers of a third of the agencies (both peer groups), played from START for ``days``."""
    lives = dossier.lives(42, scenario, OfficeClock(), dossier.AGENCIES[::3])
    player = Player(lives, dossier.LIFETIME_DAYS, START)
    return player.between(START, START + timedelta(days=days)), player


def by_dossier(records: list[Envelope]) -> dict[str, list[Envelope]]:
    lives: dict[str, list[Envelope]] = defaultdict(list)
    for r in records:
        if r.feed == "dossier":
            lives[r.attributes["dossier_id"]].append(r)
    return lives


def test_every_life_follows_the_status_codes_in_time_order() -> None:
    records, _ = played(days=60)
    lives = by_dossier(records)
    assert len(lives) > 1500
    for events in lives.values():
        statuses = [e.attributes["status"] for e in events]
        assert statuses[0] == 1
        assert [e.ts for e in events] == sorted(e.ts for e in events)
        for before, after in zip(statuses, statuses[1:], strict=False):
            assert after in NEXT[before], statuses
        assert statuses.count(5) <= 2


def test_appointments_are_working_days_after_acceptance_moved_by_the_citizens_waits() -> None:
    records, _ = played()
    calendar = vietnam()
    for events in by_dossier(records).values():
        accepted = [e for e in events if e.attributes["status"] == 2]
        if not accepted or any(e.attributes["status"] == 5 for e in events):
            continue
        appointment = datetime.fromisoformat(accepted[0].attributes["appointment_at"]).astimezone(LOCAL)
        code = events[0].attributes["procedure"]
        procedure = next(p for ps in dossier.PROCEDURES.values() for p in ps if p.code == code)
        accepted_day = accepted[0].ts.astimezone(LOCAL).date()
        assert calendar.is_working_day(appointment.date())
        assert calendar.between(accepted_day, appointment.date()) == procedure.deadline


def test_about_one_in_ten_finishes_late_and_the_backlog_scenario_is_worse() -> None:
    def late_share(scenario: Scenario) -> tuple[float, int]:
        records, _ = played(scenario, days=75)  # the dossiers of the first 30 days have all finished
        first_month = START + timedelta(days=30)
        done = [e for e in records if e.feed == "dossier" and e.attributes["status"] == 9
                and datetime.fromisoformat(e.attributes["received_at"]) < first_month]  # fmt: skip
        late = [e for e in done if e.attributes["finished_at"] > e.attributes["appointment_at"]]
        return len(late) / len(done), len(by_dossier(records))

    normal, normal_count = late_share(NORMAL)
    backlog, backlog_count = late_share(Scenario("service-backlog", START))
    assert 0.04 < normal < 0.2
    assert backlog > normal + 0.1 and backlog_count > 1.7 * normal_count


def test_fees_are_paid_online_once_they_are_due() -> None:
    records, _ = played()
    payments = [r for r in records if r.feed == "payment"]
    assert payments and all(p.values["amount"] > 0 for p in payments)
    fee_due = {r.attributes["dossier_id"] for r in records if r.feed == "dossier" and r.attributes["status"] == 6}
    succeeded = Counter(p.attributes["dossier_id"] for p in payments if p.attributes["status"] == 1)
    assert set(succeeded) <= fee_due and len(succeeded) > 0.9 * len(fee_due)
    assert max(succeeded.values()) == 1


def test_no_dossier_arrives_on_a_sunday_but_online() -> None:
    records, _ = played()
    for events in by_dossier(records).values():
        received = events[0].ts.astimezone(LOCAL)
        if received.date() == date(2026, 9, 6):  # a Sunday
            assert events[0].attributes["channel"] == 2


def test_windows_split_the_stream_exactly_and_every_record_is_valid() -> None:
    whole, _ = played(days=3)
    _, player = played(days=0)
    cut = START + timedelta(days=1, hours=9, minutes=17)
    parts = player.between(START, cut) + player.between(cut, START + timedelta(days=3))
    assert parts == whole
    assert len({r.id for r in whole}) == len(whole)
    feeds = registry()
    for record in whole:
        parse_envelope(record.to_bytes(), feeds[record.feed], END, timedelta(0))


def test_items_that_arrived_before_the_first_day_are_left_out() -> None:
    records, _ = played(days=10)
    assert all(lifeline[0].attributes["status"] == 1 for lifeline in by_dossier(records).values())
