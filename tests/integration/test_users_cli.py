"""`ioc users ...` against the real database: what an admin types to give people access to the dashboard."""

import uuid

import pytest
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.settings import Settings
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
