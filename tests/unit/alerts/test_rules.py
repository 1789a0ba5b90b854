"""Each rule type on hand-made sequences: hysteresis, `for`, levels, rates, anomalies, silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from alerts.model import Severity
from alerts.rules import (
    Absence,
    Anomaly,
    Band,
    Composite,
    Condition,
    Deadline,
    Rate,
    Rule,
    Sample,
    Threshold,
    _middle,
    parse_duration,
    parse_rule,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def run(
    rule: Rule, values: list[float | None], step: timedelta = timedelta(minutes=1), **meta: Any
) -> list[Condition | None]:
    memory: dict[str, Any] = {}
    return [rule.evaluate(memory, Sample("S1", T0 + i * step, v, meta)) for i, v in enumerate(values)]


def active(conditions: list[Condition | None]) -> list[bool | None]:
    return [None if c is None else c.active for c in conditions]


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("5m", 300), ("1.5h", 5400), ("1d", 86400), (30, 30)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_threshold_fires_after_for_and_clears_only_below_the_clear_bound() -> None:
    rule = Threshold(
        name="pm", type="threshold", feed="air_quality", metric="pm25", above=50, clear=40, **{"for": "2m"}
    )
    # minute:        0     1     2     3     4     5     6     7
    values = [60.0, 60.0, 60.0, 45.0, 45.0, 39.0, 60.0, 60.0]
    # breach since 0; held 2 min at minute 2; 45 stays active (>= 40); 39 clears; breach again needs 2 min
    assert active(run(rule, values)) == [False, False, True, True, True, False, False, False]


def test_a_dip_restarts_the_for_clock() -> None:
    rule = Threshold(name="pm", type="threshold", feed="air_quality", metric="pm25", above=50, **{"for": "2m"})
    assert active(run(rule, [60, 60, 40, 60, 60, 60])) == [False, False, False, False, False, True]


def test_threshold_below() -> None:
    rule = Threshold(name="low", type="threshold", feed="hydro", metric="water_level", below=0.5, clear=0.6)
    assert active(run(rule, [1.0, 0.4, 0.55, 0.61])) == [False, True, True, False]


def test_threshold_validation_names_the_problem() -> None:
    with pytest.raises(ValueError, match="exactly one of 'above' or 'below'"):
        Threshold(name="x", type="threshold", feed="hydro", metric="water_level")
    with pytest.raises(ValueError, match="safe side"):
        Threshold(name="x", type="threshold", feed="hydro", metric="water_level", above=1, clear=2)


def flood_band(**extra: Any) -> Band:
    return Band(
        name="alarm", type="band", feed="hydro", metric="water_level", levels_from="alarm_levels",
        severities=[Severity.INFO, Severity.WARNING, Severity.CRITICAL], clear_margin=0.05, **extra,
    )  # fmt: skip


def test_band_follows_the_highest_level_with_hysteresis() -> None:
    levels = {"alarm_levels": [1.0, 2.0, 3.5]}  # Kim Long (Huế), DOMAIN.md
    conditions = run(flood_band(), [0.5, 1.0, 2.1, 3.6, 3.46, 3.44, 1.97, 0.96, 0.94], **levels)
    got = [(c.active, c.severity.value, c.threshold) if c else None for c in conditions]
    assert got == [
        (False, "info", 1.0),
        (True, "info", 1.0),  # level I reached exactly at the bound
        (True, "warning", 2.0),
        (True, "critical", 3.5),
        (True, "critical", 3.5),  # 3.46: within 5 cm below III, stays III
        (True, "warning", 2.0),  # 3.44: clearly below III
        (True, "warning", 2.0),  # 1.97: within the margin of II
        (True, "info", 1.0),
        (False, "info", 1.0),  # 0.94: clearly below I
    ]


def test_band_for_applies_to_entering_the_first_level() -> None:
    conditions = run(flood_band(**{"for": "10m"}), [1.2, 1.3, 1.4], step=timedelta(minutes=5), alarm_levels=[1, 2, 3])
    assert active(conditions) == [False, False, True]


def test_band_ignores_a_source_without_the_levels() -> None:
    assert run(flood_band(), [5.0]) == [None]


def test_band_with_fixed_levels_names_the_category() -> None:
    rule = Band(
        name="aqi", type="band", feed="air_quality", input="kpi", metric="vn_aqi_1h", levels=[101, 151, 201, 301],
        severities=["warning", "warning", "critical", "critical"],
        names=[{"vi": "Kém"}, {"vi": "Xấu"}, {"vi": "Rất xấu"}, {"vi": "Nguy hại"}],
    )  # fmt: skip
    last = run(rule, [50, 160])[-1]
    assert last is not None and last.active and last.summary == {"vi": "Xấu"} and last.threshold == 151


def test_rate_of_rise_in_metres_per_hour() -> None:
    rule = Rate(name="rise", type="rate", feed="hydro", metric="water_level", per_hour=0.2, over="1h")
    # every 10 min: flat for an hour, then +5 cm per 10 min (0.3 m/h), then flat again
    values = [1.0] * 7 + [1.05, 1.10, 1.15, 1.20, 1.25, 1.30, 1.35] + [1.35] * 7
    conditions = run(rule, values, step=timedelta(minutes=10))
    assert conditions[:3] == [None, None, None]  # under half an hour of history: no rate yet
    states = active(conditions)
    first = states.index(True)
    # by hand: at minute 100 the window starts at minute 40 (1.00): (1.20 - 1.00) / 1 h = 0.20, not > 0.20;
    # at minute 110 it starts at minute 50 (1.00): 0.25 m/h > 0.20
    assert first == 11
    assert states[-1] is False
    rates = [c.value for c in conditions if c is not None]
    assert max(rates) == pytest.approx(0.3)


def test_anomaly_is_robust_to_the_outliers_it_flags() -> None:
    rule = Anomaly(name="odd", type="anomaly", feed="air_quality", metric="pm25", history=20, z=6)
    calm = [20.0 + (i % 5) for i in range(20)]
    conditions = run(rule, [*calm, 200.0, 21.0])
    assert all(c is None or not c.active for c in conditions[:20])
    spike, after = conditions[20], conditions[21]
    assert spike is not None and spike.active and spike.value == 200.0
    assert after is not None and not after.active


def test_ewma_anomaly_against_the_weighted_mean_and_variance_computed_by_hand() -> None:
    # alpha 0.5 over 10, 12, 10, 12, 10: mean 10, 11, 10.5, 11.25, 10.625; variance (1 - a)(var + a diff²):
    # 0, 1, 0.75, 0.9375, 0.859375. Then 13 is (13 - 10.625) / sqrt(0.859375) = 2.562 deviations away.
    def rule(z: float) -> Anomaly:
        return Anomaly(name="odd", type="anomaly", feed="hydro", method="ewma", alpha=0.5, history=10, z=z)

    series = [10.0, 12.0, 10.0, 12.0, 10.0, 13.0]
    *warming, judged = run(rule(2.5), series)
    assert warming == [None] * 5  # history 10: judged once 5 values are in
    assert judged is not None and judged.active and judged.threshold == round(10.625 + 2.5 * 0.859375**0.5, 4)
    calm = run(rule(3.0), series)[-1]
    assert calm is not None and not calm.active and calm.threshold == round(10.625 + 3 * 0.859375**0.5, 4)


def test_absence_per_source_on_the_clock() -> None:
    rule = Absence(name="silent", type="absence", feed="air_quality", intervals=3)
    memory: dict[str, Any] = {}
    meta = {"interval_seconds": 60}
    assert rule.evaluate(memory, Sample("S1", T0, None, meta)) is None  # never seen: nothing to judge
    seen = rule.evaluate(memory, Sample("S1", T0, 1.0, meta))
    assert seen is not None and not seen.active
    quiet = rule.evaluate(memory, Sample("S1", T0 + timedelta(seconds=179), None, meta))
    assert quiet is not None and not quiet.active
    silent = rule.evaluate(memory, Sample("S1", T0 + timedelta(seconds=181), None, meta))
    assert silent is not None and silent.active and silent.value == 181 and silent.threshold == 180


def test_parse_rule_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"p.rules\[0\].type: unknown rule type 'nope'"):
        parse_rule({"type": "nope"}, "p.rules[0]")
    with pytest.raises(ValueError, match=r"p.rules\[1\].per_hour: Field required"):
        parse_rule({"type": "rate", "name": "r", "feed": "hydro", "metric": "water_level"}, "p.rules[1]")
    with pytest.raises(ValueError, match=r"p.rules\[2\].for: Value error, 'soon' is not a duration"):
        parse_rule(
            {"type": "threshold", "name": "t", "feed": "hydro", "metric": "m", "above": 1, "for": "soon"}, "p.rules[2]"
        )


def test_absence_counts_from_when_the_worker_began_watching() -> None:
    rule = Absence(name="silent", type="absence", feed="air_quality", intervals=3)
    memory: dict[str, Any] = {"seen": T0.timestamp()}
    restarted = {"interval_seconds": 60, "watched_since": (T0 + timedelta(hours=5)).timestamp()}
    quiet = rule.evaluate(memory, Sample("S1", T0 + timedelta(hours=5, seconds=60), None, restarted))
    assert quiet is not None and not quiet.active and quiet.value == 60


def test_composite_all_and_any_within_the_window() -> None:
    both = Composite(name="c", type="composite", feed="hydro", all=["level", "rise"], within="30m")
    either = Composite(name="c", type="composite", feed="hydro", any=["level", "rise"], within="30m")
    t = T0.timestamp()

    def judge(rule: Composite, members: dict[str, tuple[bool, float | None]]) -> bool:
        cond = rule.evaluate({}, Sample("G", T0, 1.0, {"members": members}))
        return cond is not None and cond.active

    assert judge(both, {"level": (True, t), "rise": (False, t - 1799)})
    assert not judge(both, {"level": (True, t), "rise": (False, t - 1801)})  # the rise ended over 30 min ago
    assert judge(both, {"level": (True, t - 7200), "rise": (True, t)})  # active since long ago: still active
    assert not judge(both, {"level": (True, t), "rise": (False, None)})
    assert judge(either, {"level": (False, None), "rise": (False, t - 60)})
    assert not judge(either, {"level": (False, None), "rise": (False, None)})
    with pytest.raises(ValueError, match="exactly one of 'all' or 'any'"):
        Composite(name="c", type="composite", feed="hydro", all=["a"], any=["b"])


def dossier_sample(at: datetime, dossier: str, status: int, due: str | None = None) -> Sample:
    attributes: dict[str, Any] = {"dossier_id": dossier, "status": status}
    if due is not None:
        attributes["appointment_at"] = due
    return Sample("AG", at + timedelta(seconds=3), 1.0, {"attributes": attributes, "ts": at.isoformat()})


DEADLINE = Deadline(name="overdue", type="deadline", feed="dossier", item="dossier_id", due="appointment_at",
                    state="status", closed=[9, 10], paused=[5], count=2,
                    noun={"vi": "hồ sơ", "en": "dossiers"})  # fmt: skip


def test_deadline_counts_open_items_past_due_on_the_clock() -> None:
    memory: dict[str, Any] = {}
    due = (T0 + timedelta(hours=1)).isoformat()
    for dossier in ("D1", "D2", "D3"):
        assert DEADLINE.evaluate(memory, dossier_sample(T0, dossier, 4, due)) is None  # data: remembered only
    DEADLINE.evaluate(memory, dossier_sample(T0 + timedelta(minutes=10), "D3", 9))  # done in time
    before = DEADLINE.evaluate(memory, Sample("AG", T0 + timedelta(minutes=59), None))
    assert before is not None and not before.active and before.value == 0
    after = DEADLINE.evaluate(memory, Sample("AG", T0 + timedelta(minutes=61), None))
    assert after is not None and after.active and (after.value, after.threshold) == (2, 2)
    assert after.summary == {"vi": "2 hồ sơ quá hạn: D1, D2", "en": "2 overdue dossiers: D1, D2"}


def test_deadline_clock_stands_still_while_paused_and_a_replay_never_reopens_an_item() -> None:
    memory: dict[str, Any] = {}
    due = (T0 + timedelta(hours=1)).isoformat()
    DEADLINE.evaluate(memory, dossier_sample(T0, "D1", 4, due))
    DEADLINE.evaluate(memory, dossier_sample(T0, "D2", 4, due))
    DEADLINE.evaluate(memory, dossier_sample(T0 + timedelta(minutes=5), "D2", 5))  # supplement requested
    paused = DEADLINE.evaluate(memory, Sample("AG", T0 + timedelta(hours=2), None))
    assert paused is not None and not paused.active and paused.value == 1
    DEADLINE.evaluate(memory, dossier_sample(T0 + timedelta(minutes=30), "D1", 10))  # result returned
    DEADLINE.evaluate(memory, dossier_sample(T0, "D1", 4, due))  # its first event, read again after a restart
    again = DEADLINE.evaluate(memory, Sample("AG", T0 + timedelta(hours=2), None))
    assert again is not None and again.value == 0
    forgotten = DEADLINE.evaluate(memory, Sample("AG", T0 + timedelta(days=91), None))
    assert forgotten is not None and "D1" not in memory["items"] and "D2" in memory["items"]


@pytest.mark.parametrize("count", [1, 2, 30, 59, 60])
def test_the_middle_of_sorted_values_is_numpy_s_median(count: int) -> None:
    values = np.random.default_rng(count).normal(20, 5, count)
    assert _middle(np.sort(values)) == pytest.approx(float(np.median(values)))
