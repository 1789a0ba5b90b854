"""Rule packs: the shipped ones load, a broken pack is refused naming file and field, a province's
pack replaces a shipped one of the same name, effective dates, and reload on change."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from alerts.packs import SHIPPED, PackError, PackWatcher, load_packs
from ioc.feeds import registry

HEAD = "pack: x\nversion: 1\ndomain: air\n"
ABSENT = "{name: a, type: absence, feed: hydro}"
PACK = """
pack: local-pm
version: 2
domain: air
effective_from: 2026-01-01
effective_to: 2026-12-31
rules:
  - {name: pm25-high, type: threshold, feed: air_quality, metric: pm25, above: 75, clear: 60, for: 15m}
"""


def test_the_shipped_packs_load() -> None:
    packs = load_packs([SHIPPED], registry())
    assert {"flood-alarm-levels", "vn-aqi-categories", "feed-health", "public-services"} <= set(packs)
    assert all(p.rules for p in packs.values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pack: x\nversion: 1\ndomain: air\n", "bad.yaml: missing field 'rules'"),
        ("pack: x\nversion: 1\ndomain: sky\nrules: [{}]", "bad.yaml.domain: 'sky' is not one of"),
        ("pack: x\nversion: one\ndomain: air\nrules: [{name: a, type: absence, feed: hydro}]", "bad.yaml.version"),
        (HEAD + "rules: [{name: a, type: absence, feed: rain}]", r"bad.yaml.rules\[0\].feed: unknown feed 'rain'"),
        ("pack: x\nversion: 1\ndomain: air\nrules: [{name: a, type: threshold, feed: hydro, metric: pm25, above: 1}]",
         r"bad.yaml.rules\[0\].metric: feed 'hydro' has no metric 'pm25'"),
        (HEAD + f"rules: [{ABSENT}, {ABSENT}]",
         r"bad.yaml.rules\[1\].name: rule 'a' appears twice"),
        ("pack: x\nversion: 1\ndomain: air\nrules: [{name: a, type: absence, feed: hydro, colour: red}]",
         r"bad.yaml.rules\[0\].colour: Extra inputs are not permitted"),
        ("pack: [x\n", "bad.yaml: not valid YAML"),
        (HEAD + "rules: [{name: d, type: deadline, feed: dossier, item: dossier_id, due: due_at, state: status,"
         " closed: [9]}]", r"bad.yaml.rules\[0\].due: feed 'dossier' has no attribute 'due_at'"),
        (HEAD + f"rules: [{{name: c, type: composite, feed: hydro, all: [a]}}, {ABSENT}]",
         r"bad.yaml.rules\[0\].members: \['a'\] are not rules listed before it"),
    ],
)  # fmt: skip
def test_a_broken_pack_is_refused_naming_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError, match=message):
        load_packs([tmp_path], registry())


def test_a_province_pack_replaces_a_shipped_one_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(PACK.replace("local-pm", "feed-health"), encoding="utf-8")
    packs = load_packs([SHIPPED, tmp_path], registry())
    assert [r.name for r in packs["feed-health"].rules] == ["pm25-high"]


def test_effective_dates(tmp_path: Path) -> None:
    (tmp_path / "pm.yaml").write_text(PACK, encoding="utf-8")
    pack = load_packs([tmp_path], registry())["local-pm"]
    assert [pack.in_force(d) for d in (date(2025, 12, 31), date(2026, 6, 1), date(2027, 1, 1))] == [False, True, False]


def test_the_watcher_reloads_on_change_and_keeps_the_rules_when_a_pack_breaks(tmp_path: Path) -> None:
    path = tmp_path / "pm.yaml"
    path.write_text(PACK, encoding="utf-8")
    watcher = PackWatcher([tmp_path], registry())
    assert watcher.poll() is None
    path.write_text(PACK.replace("above: 75", "above: 80"), encoding="utf-8")
    os.utime(path, ns=(1, 2))  # a different mtime whatever the file system's resolution
    book = watcher.poll()
    assert book is not None and book.packs["local-pm"].rules[0].above == 80  # type: ignore[attr-defined]
    path.write_text("pack: local-pm\n", encoding="utf-8")
    with pytest.raises(PackError):
        watcher.poll()
    assert watcher.book is book  # the rules in force stay
