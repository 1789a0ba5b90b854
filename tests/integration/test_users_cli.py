"""`ioc users ...` against the real database: what an admin types to give people access to the dashboard."""

import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.settings import Settings, get_settings
from tests.infra import query

pytestmark = pytest.mark.integration


def test_an_admin_adds_lists_changes_and_disables_a_user(settings: Settings) -> None:
    runner = CliRunner()
    name = f"cli-{uuid.uuid4().hex[:6]}"
    added = runner.invoke(
        cli, ["users", "add", name, "--role", "official", "--name", "Trần Thị Bình", "--password-stdin"],
        input="mật khẩu đủ dài\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    [(stored,)] = query(settings, "SELECT password_hash FROM app_user WHERE username = %s", (name,))
    assert stored.startswith("$argon2id$") and "mật khẩu" not in stored
    listed = runner.invoke(cli, ["users", "list"])
    assert f"{name}\tTrần Thị Bình\tofficial" in listed.output
    again = runner.invoke(cli, ["users", "add", name, "--role", "official", "--password-stdin"], input="x" * 12)
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(cli, ["users", "passwd", name, "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "password: needs at least 10 characters" in short.output
    assert runner.invoke(cli, ["users", "passwd", name, "--password-stdin"], input="another long one\n").exit_code == 0
    assert runner.invoke(cli, ["users", "disable", name]).exit_code == 0
    assert "disabled" in runner.invoke(cli, ["users", "list"]).output.split(name)[1].splitlines()[0]
    missing = runner.invoke(cli, ["users", "disable", name])
    assert missing.exit_code == 1 and "no enabled user" in missing.output


def test_bad_input_names_the_field(settings: Settings) -> None:
    runner = CliRunner()
    bad_name = runner.invoke(
        cli, ["users", "add", "Nguyễn An", "--role", "operator", "--password-stdin"], input="x" * 12
    )
    assert bad_name.exit_code == 1 and "username:" in bad_name.output
    bad_role = runner.invoke(cli, ["users", "add", "an", "--role", "root", "--password-stdin"], input="x" * 12)
    assert bad_role.exit_code == 1 and "role:" in bad_role.output


def test_an_official_is_linked_to_the_receiver_whose_notifications_they_see(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    runner = CliRunner()
    receivers = tmp_path / "receivers.yaml"
    receivers.write_text(Path("alerts/receivers.example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("IOC_RECEIVERS_FILE", str(receivers))
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    name = f"off-{uuid.uuid4().hex[:6]}"
    wrong = runner.invoke(
        cli, ["users", "add", name, "--role", "official", "--receiver", "nobody", "--password-stdin"], input="x" * 12
    )
    assert wrong.exit_code == 1 and "receiver: 'nobody' is not in receivers.yaml" in wrong.output
    added = runner.invoke(
        cli, ["users", "add", name, "--role", "official", "--receiver", "ban-chi-huy-pctt", "--password-stdin"],
        input="x" * 12,
    )  # fmt: skip
    assert added.exit_code == 0 and "receiver ban-chi-huy-pctt" in added.output, added.output
    [line] = [x for x in runner.invoke(cli, ["users", "list"]).output.splitlines() if x.startswith(name + "\t")]
    assert line.endswith("\tactive\treceiver ban-chi-huy-pctt")
    assert runner.invoke(cli, ["users", "receiver", name, "truc-ban-dem"]).exit_code == 0
    assert query(settings, "SELECT receiver FROM app_user WHERE username = %s", (name,)) == [("truc-ban-dem",)]
    assert runner.invoke(cli, ["users", "receiver", name]).output.strip() == f"{name} unlinked"
    operator = f"op-{uuid.uuid4().hex[:6]}"
    not_official = runner.invoke(
        cli, ["users", "add", operator, "--role", "operator", "--receiver", "truc-ban-dem", "--password-stdin"],
        input="x" * 12,
    )  # fmt: skip
    assert not_official.exit_code == 1 and "receiver: only an official" in not_official.output
    assert runner.invoke(cli, ["users", "receiver", "no-such-user", "truc-ban-dem"]).exit_code == 1
