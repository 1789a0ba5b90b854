from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.settings import get_settings

runner = CliRunner()
COMMANDS = [
    ["run"],
    ["init"],
    ["worker"],
    ["dashboard"],
    ["simulate"],
    ["infra"],
    ["infra", "up"],
    ["infra", "down"],
    ["infra", "status"],
    ["keys"],
    ["keys", "add"],
    ["keys", "list"],
    ["keys", "revoke"],
    ["deadletter"],
    ["deadletter", "list"],
    ["deadletter", "show"],
    ["deadletter", "replay"],
    ["index766"],
    ["replay"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_a_bad_setting_is_named_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_DASHBOARD_PORT", "eighty")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["infra", "status"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "IOC_DASHBOARD_PORT" in result.output


def test_a_bad_option_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(cli, ["simulate", "--interval", "0"])
    assert result.exit_code == 2
    assert "interval" in result.output


def test_a_key_for_an_unknown_feed_is_refused_naming_the_known_ones() -> None:
    result = runner.invoke(cli, ["keys", "add", "Someone", "--feed", "noise"])
    assert result.exit_code == 2
    assert "noise" in result.output and "air_quality" in result.output


def test_a_key_with_an_unknown_role_is_refused_naming_the_roles() -> None:
    result = runner.invoke(cli, ["keys", "add", "Someone", "--role", "root"])
    assert result.exit_code == 2 and "--role" in result.output and "operator" in result.output


def test_an_unknown_scenario_is_refused_naming_the_known_ones() -> None:
    result = runner.invoke(cli, ["simulate", "--scenario", "tsunami"])
    assert result.exit_code == 2 and "--scenario" in result.output and "flood" in result.output


def test_deadletter_since_must_be_a_time_and_a_time_without_offset_is_local() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ioc.cli import _instant

    result = runner.invoke(cli, ["deadletter", "list", "--since", "yesterday"])
    assert result.exit_code == 2 and "--since" in result.output
    local = datetime(2026, 11, 24, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert _instant("2026-11-24T08:00:00", "--since") == local == _instant("2026-11-24T01:00:00+00:00", "--since")
    assert _instant("2026-11-24", "--since") == local.replace(hour=0)


def test_a_broken_feeds_folder_is_named_and_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ioc.feeds import registry

    (tmp_path / "bad.yaml").write_text("name: bad\n")
    monkeypatch.setenv("IOC_FEEDS_DIR", str(tmp_path))
    get_settings.cache_clear()
    registry.cache_clear()
    try:
        result = runner.invoke(cli, ["infra", "status"])
    finally:
        monkeypatch.delenv("IOC_FEEDS_DIR")
        get_settings.cache_clear()
        registry.cache_clear()
    assert result.exit_code == 2
    assert "bad.yaml: missing or invalid field" in result.output


def test_a_broken_sources_folder_is_named_and_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ioc.feeds import registry
    from ioc.sources import sources

    (tmp_path / "noise.yaml").write_text("feed: noise\nsources: [{id: N-01\n")  # unclosed: not YAML
    monkeypatch.setenv("IOC_SOURCES_DIR", str(tmp_path))
    for cached in (get_settings, registry, sources):
        cached.cache_clear()
    try:
        result = runner.invoke(cli, ["infra", "status"])
    finally:
        monkeypatch.delenv("IOC_SOURCES_DIR")
        for cached in (get_settings, registry, sources):
            cached.cache_clear()
    assert result.exit_code == 2
    assert "noise.yaml: not readable YAML" in result.output
