"""Scenarios: the five stories, the episode shape they share, and the help text that tells them."""

from datetime import UTC, datetime, timedelta

import pytest
import typer
from typer.core import TyperGroup, TyperOption

from ioc.cli import cli
from simulators.scenario import SCENARIOS, STORM, Episode, Scenario, storm_strength

START = datetime(2026, 11, 24, tzinfo=UTC)


def test_the_five_scenarios() -> None:
    assert SCENARIOS == ("normal", "flood", "pollution-episode", "service-backlog", "storm")


def test_hours_in_only_the_running_scenario_once_begun() -> None:
    storm = Scenario("storm", START)
    assert storm.hours_in(START + timedelta(hours=2.5), "storm") == 2.5
    assert storm.hours_in(START - timedelta(seconds=1), "storm") is None
    assert storm.hours_in(START + timedelta(hours=1), "flood") is None


@pytest.mark.parametrize("hours", [None, -3.0, 0.0, 12.0, 12.5, 100.0])
def test_an_episode_is_nothing_outside_its_time(hours: float | None) -> None:
    assert Episode(rise=2.0, hold=4.0, fall=6.0).at(hours) == 0.0


def test_an_episode_rises_holds_and_falls_smoothly() -> None:
    episode = Episode(rise=2.0, hold=4.0, fall=6.0)
    assert episode.hours == 12.0
    strengths = [episode.at(step / 10) for step in range(0, 121)]
    assert all(0.0 <= s <= 1.0 for s in strengths)
    assert strengths[10] == pytest.approx(0.5) and strengths[90] == pytest.approx(0.5)
    assert all(s == 1.0 for s in strengths[20:61])
    assert strengths[:21] == sorted(strengths[:21]) and strengths[60:] == sorted(strengths[60:], reverse=True)
    assert max(abs(b - a) for a, b in zip(strengths, strengths[1:], strict=False)) < 0.08  # no jump


def test_the_storm_is_shared_and_only_blows_in_its_own_scenario() -> None:
    height = START + timedelta(hours=STORM.rise + STORM.hold / 2)
    assert storm_strength(Scenario("storm", START), height) == 1.0
    assert storm_strength(Scenario("flood", START), height) == 0.0
    assert storm_strength(Scenario("storm", START), START + timedelta(hours=STORM.hours)) == 0.0


def test_the_simulate_help_tells_every_story() -> None:
    command = typer.main.get_command(cli)
    assert isinstance(command, TyperGroup)
    simulate = command.commands["simulate"]
    option = next(p for p in simulate.params if isinstance(p, TyperOption) and p.name == "scenario")
    help_text = option.help or ""
    for name in SCENARIOS:
        assert f"{name}:" in help_text
