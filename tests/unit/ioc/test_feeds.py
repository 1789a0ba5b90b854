from pathlib import Path

import pytest

from ioc.feeds import FeedDeclarationError, load_feeds, parse_declaration, registry


def test_air_quality_is_declared_with_units_ranges_and_kpis() -> None:
    kind = registry()["air_quality"]
    assert kind.metrics["pm25"].unit == "µg/m³"
    assert (kind.metrics["pm10"].min, kind.metrics["pm10"].max) == (0, 2000)
    assert kind.kpis == ("pm25", "pm10", "o3", "no2", "so2", "co")
    assert kind.metrics["temperature"].unit == "°C"


def test_the_province_feeds_are_declared() -> None:
    feeds = registry()
    assert {"air_quality", "hydro", "traffic", "dossier", "feedback", "payment"} <= set(feeds)
    assert set(feeds["dossier"].attributes["status"].codes) == set(range(1, 11))
    assert feeds["dossier"].attributes["status"].codes[5] == "Yêu cầu bổ sung / supplement requested"
    assert feeds["traffic"].kpis == ("intensity", "occupancy", "speed")
    assert feeds["payment"].metrics["amount"].unit == "VND"


def test_a_new_feed_is_one_file(tmp_path: Path) -> None:
    (tmp_path / "noise.yaml").write_text(
        "name: noise\nentity: sensor\ninterval_seconds: 30\nmetrics:\n  db: {unit: dB, min: 0, max: 200}\n"
    )
    assert list(load_feeds(tmp_path)) == ["noise"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a mapping"),
        ({"name": "x", "interval_seconds": 1, "metrics": {}}, "missing or invalid field 'entity'"),
        (
            {"name": "x", "entity": "e", "interval_seconds": 1, "metrics": {"a": {"unit": "u", "min": 0}}},
            "missing or invalid field 'max'",
        ),
        (
            {
                "name": "x",
                "entity": "e",
                "interval_seconds": 1,
                "metrics": {"b": {"unit": "u", "min": 0, "max": 1}},
                "kpis": ["a"],
            },
            "unknown metrics",
        ),
        ({"name": "x", "entity": "e", "interval_seconds": 1, "metrics": {}}, "needs metrics, attributes or both"),
        (
            {"name": "x", "entity": "e", "interval_seconds": 1, "attributes": {"s": {"type": "colour"}}},
            "attributes.s.type: 'colour' is not one of",
        ),
        (
            {"name": "x", "entity": "e", "interval_seconds": 1, "attributes": {"s": {"type": "code"}}},
            "attributes.s.codes: a code attribute lists its codes",
        ),
        (
            {"name": "x", "entity": "e", "interval_seconds": 1, "attributes": {"s": {"type": "enum"}}},
            "attributes.s.choices",
        ),
        (
            {
                "name": "x",
                "entity": "e",
                "interval_seconds": 1,
                "metrics": {"s": {"unit": "u", "min": 0, "max": 1}},
                "attributes": {"s": {"type": "text"}},
            },
            "declared both as metric and attribute",
        ),
    ],
)
def test_bad_declarations_name_the_file_and_field(data: object, message: str) -> None:
    with pytest.raises(FeedDeclarationError, match=message) as info:
        parse_declaration(data, "x.yaml")
    assert str(info.value).startswith("x.yaml: ")


def test_an_extra_folder_adds_kinds_but_cannot_redeclare_one(tmp_path: Path) -> None:
    from ioc.feeds import DECLARATIONS

    (tmp_path / "noise.yaml").write_text(
        "name: noise\nentity: sensor\ninterval_seconds: 30\nmetrics:\n  db: {unit: dB, min: 0, max: 200}\n"
    )
    assert set(load_feeds(DECLARATIONS, tmp_path)) == set(load_feeds(DECLARATIONS)) | {"noise"}
    (tmp_path / "zz.yaml").write_text(
        "name: air_quality\nentity: s\ninterval_seconds: 1\nmetrics:\n  a: {unit: u, min: 0, max: 1}\n"
    )
    with pytest.raises(FeedDeclarationError, match="zz.yaml: feed 'air_quality' is already declared in"):
        load_feeds(DECLARATIONS, tmp_path)
    with pytest.raises(FeedDeclarationError, match="no such folder"):
        load_feeds(tmp_path / "missing")


def test_a_feed_may_take_registered_sources_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import json
    from datetime import UTC, datetime, timedelta

    from ioc.envelope import RecordError, parse_envelope
    from ioc.settings import get_settings
    from ioc.sources import sources

    feeds, metadata = tmp_path / "feeds", tmp_path / "sources"
    feeds.mkdir(), metadata.mkdir()
    (feeds / "noise.yaml").write_text(
        "name: noise\nentity: s\ninterval_seconds: 60\nsources: registered\n"
        "metrics:\n  laeq: {unit: dBA, min: 0, max: 140}\n"
    )
    (metadata / "noise.yaml").write_text(
        "feed: noise\nsources:\n"
        '  - {id: N-01, name: "Trạm ồn Đông Ba", unit_code: HUE.DONGBA, lat: 16.47, lon: 107.58}\n'
    )
    monkeypatch.setenv("IOC_FEEDS_DIR", str(feeds))
    monkeypatch.setenv("IOC_SOURCES_DIR", str(metadata))
    for cached in (get_settings, sources, registry):
        cached.cache_clear()
    try:
        noise = registry()["noise"]
        assert noise.only_registered and noise.registered == frozenset({"N-01"})
        assert not registry()["air_quality"].only_registered  # the shipped feeds take any source
        now = datetime.now(UTC)

        def record(source: str) -> bytes:
            return json.dumps({"source": source, "ts": now.isoformat(), "values": {"laeq": 55}}).encode()

        assert parse_envelope(record("N-01"), noise, now, timedelta(0)).source == "N-01"
        with pytest.raises(RecordError) as caught:
            parse_envelope(record("N-02"), noise, now, timedelta(0))
        assert (caught.value.field, caught.value.rule) == ("source", "unknown_source")
        assert "'N-02' is not a registered source of feed 'noise'" in str(caught.value)
    finally:
        monkeypatch.undo()
        for cached in (get_settings, sources, registry):
            cached.cache_clear()
    with pytest.raises(FeedDeclarationError, match="sources: 'some' is not 'any' or 'registered'"):
        parse_declaration({"name": "x", "entity": "e", "interval_seconds": 1, "sources": "some",
                           "metrics": {"a": {"unit": "u", "min": 0, "max": 1}}}, "x.yaml")  # fmt: skip
