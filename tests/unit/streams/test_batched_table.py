from __future__ import annotations

from typing import Any

import pytest

from streams.batched_table import BatchedTable


class FakeTable:
    """A Faust table's store and changelog, recorded."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = dict(data or {})
        self.changelog: list[tuple[int | None, str, Any]] = []

    def send_changelog(
        self, partition: int | None, key: Any, value: Any, key_serializer: Any = None, value_serializer: Any = None
    ) -> None:
        self.changelog.append((partition, key, value))


def test_reads_see_pending_changes_before_the_commit() -> None:
    table = FakeTable({"a": 1, "b": 2})
    batched = BatchedTable(table)
    batched["a"] = 10
    batched["c"] = 3
    del batched["b"]
    assert dict(batched) == {"a": 10, "c": 3}
    assert "b" not in batched and batched.get("b") is None
    assert len(batched) == 2
    assert table.data == {"a": 1, "b": 2} and table.changelog == []


def test_commit_writes_each_changed_key_once_to_the_partition_that_changed_it() -> None:
    table = FakeTable({"gone": 0})
    batched = BatchedTable(table)
    batched.partition = 2
    for value in range(100):
        batched["w"] = value
    batched.partition = 3
    del batched["gone"]
    assert batched.commit() == 2
    assert table.data == {"w": 99}
    assert table.changelog == [(2, "w", 99), (3, "gone", None)]
    assert batched.commit() == 0


def test_deleting_a_missing_key_is_a_key_error() -> None:
    batched = BatchedTable(FakeTable())
    with pytest.raises(KeyError):
        del batched["nothing"]
    batched["new"] = 1
    del batched["new"]
    with pytest.raises(KeyError):
        batched["new"]
