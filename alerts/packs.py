"""Rule packs: YAML files of rules, one per regulation or concern, with a version and effective dates.

Shipped packs live in ``alerts/packs/``; a province adds or overrides its own in the folder
IOC_RULES_DIR names. The alert agent reloads them when a file changes (``PackWatcher``): a pack that
fails validation is refused with the file and the field, and the rules in force stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from alerts.rules import Composite, Rule, parse_rule
from ioc.feeds import FeedKind

SHIPPED = Path(__file__).parent / "packs"
DOMAINS = ("air", "water", "traffic", "service", "feed")


class PackError(ValueError):
    """A pack file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Pack:
    name: str
    version: int
    domain: str
    title: dict[str, str]
    regulation: str
    effective_from: date | None
    effective_to: date | None
    rules: tuple[Rule, ...]

    def in_force(self, day: date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )


def _date(value: object, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PackError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_pack(data: object, origin: str, feeds: dict[str, FeedKind]) -> Pack:
    if not isinstance(data, dict):
        raise PackError(f"{origin}: a rule pack must be a mapping")
    for key in ("pack", "version", "domain", "rules"):
        if key not in data:
            raise PackError(f"{origin}: missing field {key!r}")
    if data["domain"] not in DOMAINS:
        raise PackError(f"{origin}.domain: {data['domain']!r} is not one of {', '.join(DOMAINS)}")
    if not isinstance(data["rules"], list) or not data["rules"]:
        raise PackError(f"{origin}.rules: a non-empty list of rules is required")
    rules: list[Rule] = []
    for i, raw in enumerate(data["rules"]):
        where = f"{origin}.rules[{i}]"
        try:
            rule = parse_rule(raw, where)
        except ValueError as exc:
            raise PackError(str(exc)) from None
        kind = feeds.get(rule.feed)
        if kind is None:
            raise PackError(f"{where}.feed: unknown feed {rule.feed!r}; known: {', '.join(sorted(feeds))}")
        if rule.input == "obs" and rule.metric is not None and rule.metric not in kind.metrics:
            raise PackError(f"{where}.metric: feed {rule.feed!r} has no metric {rule.metric!r}")
        for field_name in rule.attributes_read():
            if getattr(rule, field_name) not in kind.attributes:
                attribute = getattr(rule, field_name)
                raise PackError(f"{where}.{field_name}: feed {rule.feed!r} has no attribute {attribute!r}")
        if any(r.name == rule.name for r in rules):
            raise PackError(f"{where}.name: rule {rule.name!r} appears twice in the pack")
        rules.append(rule)
    names = [r.name for r in rules]
    for i, rule in enumerate(rules):
        if isinstance(rule, Composite):
            unknown = [m for m in rule.members if m not in names[:i]]
            if unknown:
                raise PackError(f"{origin}.rules[{i}].members: {unknown} are not rules listed before it in the pack")
    try:
        version = int(data["version"])
    except (TypeError, ValueError):
        raise PackError(f"{origin}.version: {data['version']!r} is not an integer") from None
    pack = Pack(
        name=str(data["pack"]),
        version=version,
        domain=str(data["domain"]),
        title={str(k): str(v) for k, v in dict(data.get("title") or {}).items()},
        regulation=str(data.get("regulation", "")),
        effective_from=_date(data.get("effective_from"), f"{origin}.effective_from"),
        effective_to=_date(data.get("effective_to"), f"{origin}.effective_to"),
        rules=tuple(rules),
    )
    if pack.effective_from and pack.effective_to and pack.effective_to < pack.effective_from:
        raise PackError(f"{origin}.effective_to: before effective_from")
    return pack


def load_packs(folders: Iterable[Path], feeds: dict[str, FeedKind]) -> dict[str, Pack]:
    """Every pack of ``folders`` by name; a later folder's pack of the same name replaces an earlier one
    (a province overrides a shipped pack by giving its own under the same name)."""
    packs: dict[str, Pack] = {}
    for folder in folders:
        if not folder.is_dir():
            raise PackError(f"{folder}: no such folder of rule packs (IOC_RULES_DIR)")
        for path in sorted(folder.glob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise PackError(f"{path.name}: not valid YAML ({exc})") from None
            pack = parse_pack(data, path.name, feeds)
            packs[pack.name] = pack
    return packs


@dataclass(frozen=True)
class Bound:
    """A rule in force with the pack it belongs to."""

    pack: Pack
    rule: Rule

    def fingerprint(self, source: str) -> str:
        return f"{self.pack.name}/{self.rule.name}|{source}"


@dataclass
class RuleBook:
    packs: dict[str, Pack]
    by_input: dict[tuple[str, str], list[Bound]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_input = {}
        for pack in self.packs.values():
            for rule in pack.rules:
                self.by_input.setdefault((rule.input, rule.feed), []).append(Bound(pack, rule))

    def rules_for(self, input: str, feed: str, day: date) -> list[Bound]:
        """Rules in force on ``day`` that read ``input`` records of ``feed``."""
        return [b for b in self.by_input.get((input, feed), []) if b.pack.in_force(day)]

    def ticking(self, day: date) -> list[Bound]:
        return [b for bounds in self.by_input.values() for b in bounds if b.rule.ticks and b.pack.in_force(day)]

    def find(self, fingerprint: str) -> Bound | None:
        name = fingerprint.split("|", 1)[0]
        for bounds in self.by_input.values():
            for bound in bounds:
                if f"{bound.pack.name}/{bound.rule.name}" == name:
                    return bound
        return None


class PackWatcher:
    """Reloads the rule book when a pack file is added, changed or removed."""

    def __init__(self, folders: list[Path], feeds: dict[str, FeedKind]) -> None:
        self.folders = folders
        self.feeds = feeds
        self.signature = self._signature()
        self.book = RuleBook(load_packs(folders, feeds))
        self.loaded_at = datetime.now().astimezone()

    def _signature(self) -> tuple[Any, ...]:
        return tuple(
            (str(path), path.stat().st_mtime_ns, path.stat().st_size)
            for folder in self.folders
            if folder.is_dir()
            for path in sorted(folder.glob("*.yaml"))
        )

    def poll(self) -> RuleBook | None:
        """The new book if the files changed and load; raises PackError (old book kept) if they do not load."""
        signature = self._signature()
        if signature == self.signature:
            return None
        self.signature = signature
        self.book = RuleBook(load_packs(self.folders, self.feeds))
        self.loaded_at = datetime.now().astimezone()
        return self.book
