"""Source metadata: the shipped files load; a broken file names the field."""

from pathlib import Path

import pytest

from ioc.sources import SourceError, load_sources, metadata, of_feed


def test_the_shipped_metadata_loads() -> None:
    gauges = of_feed("hydro")
    assert len(gauges) == 8 and len(of_feed("air_quality")) == 20
    for gauge in gauges:
        levels = gauge.extras["alarm_levels"]
        assert len(levels) == 3 and levels == sorted(levels)
    kim_long = metadata("hydro", "HUE-WL-01")
    assert kim_long["alarm_levels"] == [1.0, 2.0, 3.5] and kim_long["interval_seconds"] == 300
    assert kim_long["name"] == "Trạm Kim Long (sông Hương)"


def test_roads_and_agencies_of_the_province() -> None:
    segments = of_feed("traffic")
    assert len(segments) == 50
    assert all(s.extras["free_flow_speed"] > 0 and s.extras["capacity"] > 0 for s in segments)
    agencies = of_feed("dossier")
    assert len(agencies) == 30 and of_feed("feedback") == agencies == of_feed("payment")
    assert {a.extras["group"] for a in agencies} == {"department", "commune"}
    assert metadata("dossier", "HUE-AG-STP")["name"] == "Sở Tư pháp"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feed: hydro\nsources: [{id: A, name: a, unit_code: U, lat: 1}]", r"x.yaml.sources\[0\]: missing field 'lon'"),
        ("feed: hydro\nsources: [{id: A, name: a, unit_code: U, lat: 100, lon: 1}]", "coordinates out of range"),
        ("sources: []", "expected a mapping with 'feed'"),
    ],
)
def test_a_broken_file_names_the_field(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        load_sources(tmp_path)
