"""Decision 766 scoring: the part formula min(max, max * ratio / target), group sums, bands, ranking within
peer groups, and the configuration's and inputs' contracts. Expected values are worked out by hand."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.indicators.index766 import (
    CONFIG,
    Index766Error,
    Part,
    parse_events,
    parse_inputs,
    parse_version,
    part_points,
    rank,
    score,
    version_at,
    versions,
)
from ioc.indicators.public_services import LOCAL, MEASURED, AgencyFigures

RAW = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["versions"][0]
V = version_at(date(2026, 11, 24))


def figures(agency: str = "A", **ratios: float | None) -> AgencyFigures:
    full: dict[str, float | None] = dict.fromkeys(MEASURED, 1.0)
    full.update(ratios)
    return AgencyFigures(agency, {}, full, [])


ALL_INPUTS_FULL = {"*": {p.id: 1.0 for p in V.parts().values() if p.ratio == "input"}}


@pytest.mark.parametrize(
    ("max_points", "target", "ratio", "points"),
    [
        (20, 1.0, 0.6, 12.0),  # timeliness: 20 x on-time ratio
        (4, 0.5, 0.3, 2.4),  # online submission: target 50%, 30% reached -> 4 x 0.3 / 0.5
        (4, 0.5, 0.6, 4.0),  # above the target: capped at the part's maximum
        (6, 0.9, 0.81, 5.4),  # satisfaction: target 90%, 81% -> 6 x 0.9
        (6, 0.9, None, 6.0),  # no case to judge: full by default
    ],
)
def test_part_formula(max_points: float, target: float, ratio: float | None, points: float) -> None:
    assert part_points(Part("x", "x", max_points, target, "timeliness"), ratio) == pytest.approx(points)


def test_a_part_without_data_can_be_configured_to_score_zero() -> None:
    assert part_points(Part("x", "x", 6, 1.0, "timeliness", "zero"), None) == 0.0


def test_the_shipped_configuration_follows_domain_md() -> None:
    """Group maxima 18/20/12/10/18/22, the part splits of DOMAIN.md, targets 50% online and 90% satisfaction."""
    assert [(g.key, g.max) for g in V.groups] == [
        ("publicity", 18), ("timeliness", 20), ("online_service", 12),
        ("online_payment", 10), ("satisfaction", 18), ("digitisation", 22),
    ]  # fmt: skip
    split = {g.key: [p.max for p in g.parts] for g in V.groups}
    assert split["publicity"] == [6, 4, 2, 6]
    assert split["online_payment"] == [2, 2, 6]
    assert split["satisfaction"] == [6, 6, 6]
    assert split["digitisation"] == [6, 4, 2, 2, 4, 2, 2]
    parts = V.parts()
    assert parts["3.3"].ratio == "online_share" and parts["3.3"].target == 0.5
    assert {parts[i].target for i in ("5.1", "5.2", "5.3")} == {0.9}
    assert parts["2.1"].ratio == "timeliness" and parts["2.1"].max == 20


def test_a_perfect_agency_scores_100_and_the_bands_cut_where_configured() -> None:
    assert score(V, figures(), ALL_INPUTS_FULL, "commune").total == 100
    assert [V.band(x) for x in (100, 80, 79.99, 70, 69.99, 50, 49.99, 0)] == [
        "Tốt / good", "Tốt / good", "Khá / fair", "Khá / fair",
        "Trung bình / average", "Trung bình / average", "Yếu / weak", "Yếu / weak",
    ]  # fmt: skip


def test_group_scores_worked_by_hand() -> None:
    """Timeliness 0.75 -> 15; online share 0.25 -> 4 x 0.25 / 0.5 = 2 (online group 4 + 4 + 2 = 10);
    feedback on time 0.81 -> 5.4 (satisfaction 6 + 5.4 + 6 = 17.4); total 100 - 5 - 2 - 0.6 = 92.4."""
    s = score(V, figures(timeliness=0.75, online_share=0.25, feedback_on_time=0.81), ALL_INPUTS_FULL, "commune")
    assert s.groups["timeliness"] == 15.0
    assert s.groups["online_service"] == 10.0
    assert s.groups["satisfaction"] == pytest.approx(17.4)
    assert s.total == pytest.approx(92.4) and s.band == "Tốt / good"


def test_missing_inputs_score_zero_and_are_named_an_agencys_own_input_beats_the_default() -> None:
    inputs = parse_inputs({"*": {"1.1": 1.0}, "B": {"1.1": 0.5}}, V)
    a, b = score(V, figures("A"), inputs, "commune"), score(V, figures("B"), inputs, "commune")
    assert a.parts["1.1"] == 6.0 and b.parts["1.1"] == 3.0
    assert "1.1" not in a.missing_inputs and "1.2" in a.missing_inputs and "6.7" in a.missing_inputs
    # measured parts all full (1.3 2 + 2.1 20 + 3.2 4 + 3.3 4 + 4.2 2 + 4.3 6 + 5.2 6 = 44) + 1.1: A 50, B 47
    assert (a.total, b.total) == (50.0, 47.0)


def test_ranks_are_within_peer_groups_and_equal_totals_share_a_rank() -> None:
    def at(agency: str, timeliness: float, group: str) -> Any:
        return score(V, figures(agency, timeliness=timeliness), ALL_INPUTS_FULL, group)

    ranked = rank([at("C1", 0.5, "commune"), at("D1", 0.9, "department"), at("C2", 1.0, "commune"),
                   at("C3", 0.5, "commune"), at("C4", 0.2, "commune"), at("D2", 0.95, "department")])  # fmt: skip
    assert [(s.agency, s.rank, s.of) for s in ranked] == [
        ("C2", 1, 4), ("C1", 2, 4), ("C3", 2, 4), ("C4", 4, 4), ("D2", 1, 2), ("D1", 2, 2),
    ]  # fmt: skip


def broken(change: Any) -> dict[str, Any]:
    body = copy.deepcopy(RAW)
    change(body)
    return body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["groups"][0].update(max=20), "its parts' maxima sum to 18, not 20"),
        (lambda b: b["groups"].pop(), "the groups' maxima sum to 78, not 100"),
        (lambda b: b["groups"][1]["parts"][0].update(ratio="speed"), "2.1.ratio: 'speed' is neither input nor"),
        (lambda b: b["groups"][1]["parts"][0].update(target=0), "2.1.target: must be a number in [0.01, 1]"),
        (lambda b: b["groups"][1]["parts"][0].update(if_no_data="half"), "2.1.if_no_data: must be full or zero"),
        (lambda b: b["bands"].reverse(), "bands: minima must fall"),
        (lambda b: b["groups"][0]["parts"][1].update(id="1.1"), "part ids repeat"),
    ],
)
def test_a_broken_configuration_is_refused_with_the_field_named(change: Any, message: str) -> None:
    with pytest.raises(Index766Error, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_version(broken(change))


def test_the_version_in_force_is_the_newest_effective_one(tmp_path: Path) -> None:
    newer = broken(lambda b: b.update(version="766-2027.1", effective_from=date(2027, 1, 1)))
    path = tmp_path / "index766.yaml"
    path.write_text(yaml.safe_dump({"versions": [RAW, newer]}, allow_unicode=True), encoding="utf-8")
    assert [v.version for v in versions(path)] == ["766-2022.1", "766-2027.1"]
    assert version_at(date(2026, 12, 31), path).version == "766-2022.1"
    assert version_at(date(2027, 1, 1), path).version == "766-2027.1"
    with pytest.raises(Index766Error, match="no Decision 766 configuration in force on 2022-06-22"):
        version_at(date(2022, 6, 22), path)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"A": {"2.1": 1.0}}, "inputs.A.2.1: not an input part"),
        ({"A": {"1.1": 1.5}}, r"inputs.A.1.1.ratio: must be a number in \[0, 1\]"),
        ({"A": 0.5}, "inputs.A: must map part ids to ratios"),
        ([1, 2], "inputs: must map agencies"),
    ],
)
def test_bad_inputs_are_refused_with_the_field_named(inputs: Any, message: str) -> None:
    with pytest.raises(Index766Error, match=message):
        parse_inputs(inputs, V)


def test_event_lines_are_validated_against_their_feed() -> None:
    good = {"feed": "feedback", "source": "HUE-AG-SXD", "ts": "2026-11-24T08:00:00+07:00", "id": "PA-1#1",
            "attributes": {"feedback_id": "PA-1", "stage": 1, "category": "do_thi", "channel": "app",
                           "received_at": "2026-11-24T08:00:00+07:00"}}  # fmt: skip
    assert [e.id for e in parse_events([json.dumps(good), ""])] == ["PA-1#1"]
    with pytest.raises(Index766Error, match="line 2: attributes.category: "):
        parse_events([json.dumps(good), json.dumps({**good, "attributes": {**good["attributes"], "category": "x"}})])
    with pytest.raises(Index766Error, match="line 1: feed: 'air_quality' is not one of dossier, feedback, payment"):
        parse_events([json.dumps({**good, "feed": "air_quality"})])
    with pytest.raises(Index766Error, match="line 1: "):
        parse_events(["not json"])


def test_cli_prints_the_index_of_each_agency_and_exits_2_on_bad_input(tmp_path: Path) -> None:
    lines = [
        {"feed": "dossier", "source": "HUE-AG-PHUHOI", "ts": f"2026-11-16T0{h}:00:00+07:00", "id": f"D1#{n}",
         "attributes": {"dossier_id": "D1", "status": status, "channel": 2, "procedure": "DANG-KY-KET-HON",
                        "received_at": "2026-11-16T08:00:00+07:00", "appointment_at": "2026-11-20T17:00:00+07:00",
                        **({"finished_at": "2026-11-16T09:00:00+07:00"} if status == 9 else {})}}
        for n, (h, status) in enumerate([(8, 1), (8, 2), (9, 9)], 1)
    ]  # fmt: skip
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(yaml.safe_dump(ALL_INPUTS_FULL), encoding="utf-8")
    result = CliRunner().invoke(cli, ["index766", str(events), "--inputs", str(inputs), "--at", "2026-11-24"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["version"] == "766-2022.1" and body["at"] == datetime(2026, 11, 24, tzinfo=LOCAL).isoformat()
    (agency,) = body["agencies"]
    assert agency["agency"] == "HUE-AG-PHUHOI" and agency["name"] == "UBND phường Phú Hội"
    assert (agency["total"], agency["band"], agency["rank"], agency["peer_group"]) == (100, "Tốt / good", 1, "commune")
    assert agency["counts"]["early"] == 1 and set(agency["groups"]) == {g.key for g in V.groups}

    bad = CliRunner().invoke(cli, ["index766", str(events), "--inputs", str(events)])
    assert bad.exit_code == 2 and "error: " in bad.output
    missing = CliRunner().invoke(cli, ["index766", str(tmp_path / "nothing.jsonl")])
    assert missing.exit_code == 2 and "nothing.jsonl" in missing.output
