"""The province the simulators play: Thừa Thiên Huế's stations, gauges, roads and agencies (fictional but
plausible). Counts, unique ids, Vietnamese names, places inside the province, admin units."""

import re
import unicodedata

import pytest

from ioc.sources import Source, of_feed, sources

HUE_BOX = {"lat": (15.95, 16.80), "lon": (107.00, 108.25)}  # Thừa Thiên Huế, from A Lưới to Hải Vân
UNIT = re.compile(r"^HUE(\.[A-Z]+)?$")  # the province, or one of its wards and communes
COUNTS = {"air_quality": 20, "hydro": 8, "traffic": 50, "dossier": 30}
PREFIX = {"air_quality": "HUE-AQ-", "hydro": "HUE-WL-", "traffic": "HUE-TR-", "dossier": "HUE-AG-"}


@pytest.mark.parametrize(("feed", "count"), COUNTS.items())
def test_counts_and_unique_ids(feed: str, count: int) -> None:
    shipped = of_feed(feed)
    assert len(shipped) == count
    assert len({s.id for s in shipped}) == count and all(s.id.startswith(PREFIX[feed]) for s in shipped)


def test_the_first_ids_are_kept() -> None:
    """Tests, alert packs and dashboards refer to them."""
    ids = set(sources())
    assert {f"HUE-AQ-{i:02}" for i in range(1, 9)} <= ids
    assert {f"HUE-WL-{i:02}" for i in range(1, 9)} <= ids
    assert {f"HUE-TR-{i:02}" for i in range(1, 51)} <= ids


def every_source() -> list[Source]:
    return list(sources().values())


@pytest.mark.parametrize("source", every_source(), ids=lambda s: s.id)
def test_vietnamese_names_inside_the_province(source: Source) -> None:
    assert source.name == unicodedata.normalize("NFC", source.name)
    assert any(unicodedata.decomposition(c) for c in source.name)  # a letter with a diacritic: ạ, ơ, ư, ế...
    assert HUE_BOX["lat"][0] < source.lat < HUE_BOX["lat"][1] and HUE_BOX["lon"][0] < source.lon < HUE_BOX["lon"][1]
    assert UNIT.match(source.unit_code)


def test_every_place_lies_in_a_unit_with_an_agency() -> None:
    """An official gets the alerts of their ward or commune: each station's unit has its people's committee."""
    agency_units = {a.unit_code for a in of_feed("dossier")}
    for feed in ("air_quality", "hydro", "traffic"):
        assert {s.unit_code for s in of_feed(feed)} <= agency_units


def test_station_names_are_distinct_and_the_simulator_knows_each_place() -> None:
    stations = of_feed("air_quality")
    assert len({s.name for s in stations}) == len(stations)
    assert all(5.0 <= float(s.extras["sim_base_pm25"]) <= 40.0 for s in stations)
    busy = {s.unit_code for s in stations if s.extras["sim_base_pm25"] >= 28}
    assert busy <= {"HUE.PHUHOI", "HUE.THUANHOA", "HUE.PHUXUAN", "HUE.ANCUU"}  # the traffic-heavy city wards


def test_gauges_and_roads_carry_what_rules_and_simulators_read() -> None:
    for gauge in of_feed("hydro"):
        levels = gauge.extras["alarm_levels"]
        assert len(levels) == 3 and levels == sorted(levels) and levels[0] > 0
    for segment in of_feed("traffic"):
        assert 20 <= segment.extras["free_flow_speed"] <= 90
        assert segment.extras["capacity"] > 0 and segment.extras["lanes"] >= 1
