"""VN_AQI (Decision 1459/QĐ-TCMT) and the US EPA 2024 PM scale.

Every expected value is computed by hand from the breakpoint tables in ../shared/DOMAIN.md section 2
(the Decision's tables) or from the EPA 2024 PM2.5/PM10 tables; the arithmetic is in each comment.
"""

import json

import pytest
from typer.testing import CliRunner

from ioc.cli import cli
from ioc.indicators.aqi import (
    VN_BREAKPOINTS,
    AqiInputError,
    category,
    compute,
    daily_mean,
    nowcast,
    parse_request,
    rolling_8h_max,
    us_sub_index,
    vn_sub_index,
)


@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("pm25", 30, 60),  # 25..50 -> 50..100: 50/25*(30-25)+50
        ("pm25", 80, 150),  # a breakpoint: 50/30*(80-50)+100
        ("pm25", 25.5, 51),  # 2*0.5+50 = 51
        ("pm25", 12.25, 25),  # 2*12.25 = 24.5 rounds half up to 25 (not to the even 24)
        ("pm25", 600, 500),  # above the top breakpoint: the top of the scale
        ("pm10", 200, 125),  # 150..250 -> 100..150: 0.5*50+100
        ("pm10", 0, 0),
        ("o3", 180, 75),  # 160..200 -> 50..100: 50/40*20+50
        ("no2", 150, 75),  # 100..200 -> 50..100: 0.5*50+50
        ("so2", 450, 125),  # 350..550 -> 100..150: 50/200*100+100
        ("co", 10000, 50),
        ("co", 37500, 125),  # 30000..45000 -> 100..150: 50/15000*7500+100
        ("o3_8h", 150, 130),  # 120..170 -> 100..150: 50/50*30+100
    ],
)
def test_vn_sub_index_by_hand(pollutant: str, concentration: float, expected: int) -> None:
    assert vn_sub_index(VN_BREAKPOINTS[pollutant], concentration) == expected


def test_negative_concentration_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        vn_sub_index(VN_BREAKPOINTS["pm25"], -1)


@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("pm25", 9.0, 50),
        ("pm25", 12.0, 56),  # 49/26.3*(12.0-9.1)+51 = 56.40
        ("pm25", 35.45, 100),  # truncated to 35.4, the top of its row
        ("pm25", 35.9, 102),  # 49/19.9*(35.9-35.5)+101 = 101.98
        ("pm25", 400, 500),
        ("pm10", 154.9, 100),  # truncated to 154
    ],
)
def test_us_epa_2024_sub_index_by_hand(pollutant: str, concentration: float, expected: int) -> None:
    assert us_sub_index(pollutant, concentration) == expected


def test_nowcast_with_w_at_most_half_uses_the_simplified_form() -> None:
    # w* = 20/40 = 0.5 -> sum(0.5^i c_i) = 0.5*40 + 0.25*30 + 0.125*20 = 30.0
    assert nowcast([40, 30, 20]) == pytest.approx(30.0)


def test_nowcast_with_w_above_half_is_the_weighted_mean() -> None:
    # w = 35/50 = 0.7: (50 + 0.7*45 + 0.49*40 + 0.343*35) / (1 + 0.7 + 0.49 + 0.343) = 113.105 / 2.533
    assert nowcast([50, 45, 40, 35]) == pytest.approx(113.105 / 2.533)


def test_nowcast_skips_missing_hours_and_needs_two_of_the_three_newest() -> None:
    # hours 2 and 3 present: w = 30/40 = 0.75: (0.75*30 + 0.5625*40) / (0.75 + 0.5625)
    assert nowcast([None, 30, 40]) == pytest.approx(45 / 1.3125)
    assert nowcast([None, None, 40, 40]) is None
    assert nowcast([12.0] * 20) == pytest.approx(12.0)  # only the newest 12 count; w = 1


def test_daily_mean_needs_18_of_24_hours() -> None:
    assert daily_mean([100.0] * 18 + [None] * 6) == 100.0
    assert daily_mean([100.0] * 17 + [None] * 7) is None


def test_rolling_8h_needs_6_of_8_hours() -> None:
    assert rolling_8h_max([90.0] * 4 + [150.0] * 8 + [90.0] * 12) == 150.0
    assert rolling_8h_max([150.0] * 5 + [None] * 3) is None


def test_hourly_aqi_is_the_highest_sub_index_with_its_category() -> None:
    result = compute({"pm25": 30, "pm10": 200, "o3": 180})
    assert result.sub_indices == {"pm25": 60, "pm10": 125, "o3": 75}
    assert (result.aqi, result.dominant) == (125, "pm10")
    assert (result.category.name_vi, result.category.color) == ("Kém", (255, 126, 0))


def test_hourly_pm_from_hours_goes_through_nowcast() -> None:
    result = compute({"pm25": [50, 45, 40, 35]})
    # NowCast 44.65 -> 2*(44.65-25)+50 = 89.3
    assert (result.aqi, result.nowcast["pm25"]) == (89, 44.65)


def test_daily_aqi_uses_24h_means_and_o3_8h() -> None:
    o3 = [90.0] * 4 + [150.0] * 8 + [90.0] * 12
    result = compute({"pm10": [100.0] * 24, "o3": o3, "no2": [50.0] * 23 + [150.0]}, mode="daily")
    # PM10 24h mean 100 -> 75; O3: 1h max 150 -> 47 (50/160*150 = 46.9), 8h max 150 -> 130; NO2 max 150 -> 75
    assert result.sub_indices == {"pm10": 75, "o3": 130, "no2": 75}
    assert (result.aqi, result.dominant, result.category.name_vi) == (130, "o3", "Kém")


def test_no_aqi_without_particulate_matter() -> None:
    result = compute({"o3": 180, "co": 5000})
    assert (result.aqi, result.dominant, result.category.name_vi) == (None, None, "Không đủ dữ liệu")


@pytest.mark.parametrize(
    ("aqi", "name", "color"),
    [(0, "Tốt", (0, 228, 0)), (50, "Tốt", (0, 228, 0)), (51, "Trung bình", (255, 255, 0)),
     (100, "Trung bình", (255, 255, 0)), (101, "Kém", (255, 126, 0)), (151, "Xấu", (255, 0, 0)),
     (201, "Rất xấu", (143, 63, 151)), (300, "Rất xấu", (143, 63, 151)), (301, "Nguy hại", (126, 0, 35)),
     (500, "Nguy hại", (126, 0, 35))],
)  # fmt: skip
def test_categories_and_colours_of_the_decision(aqi: int, name: str, color: tuple[int, int, int]) -> None:
    assert (category(aqi).name_vi, category(aqi).color) == (name, color)


def test_us_scale_rates_pm_only() -> None:
    result = compute({"pm25": 35.9, "o3": 180}, scale="us")
    assert result.sub_indices == {"pm25": 102, "o3": None}
    assert result.category.name_en == "Unhealthy for Sensitive Groups"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1], "JSON object"),
        ({}, "no pollutant"),
        ({"pm1": 3}, "pm1: unknown pollutant"),
        ({"pm25": -1}, "pm25: must be a number >= 0"),
        ({"pm25": "12"}, "pm25: must be a number"),
        ({"pm25": True}, "pm25: must be a number"),
        ({"pm25": []}, "pm25: a list needs 1 to 24"),
        ({"pm25": [1] * 25}, "pm25: a list needs 1 to 24"),
        ({"pm25": [1, "x"]}, r"pm25\[1\]: must be a number"),
        ({"pm25": 1, "mode": "weekly"}, "mode: must be"),
        ({"pm25": 1, "scale": "eu"}, "scale: must be"),
    ],
)
def test_bad_requests_name_the_field(body: object, message: str) -> None:
    with pytest.raises(AqiInputError, match=message):
        parse_request(body)


def test_cli_contract() -> None:
    result = CliRunner().invoke(cli, ["aqi"], input=json.dumps({"pm25": [50, 45, 40, 35], "pm10": 200}))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "aqi": 125,
        "dominant": "pm10",
        "category": "Kém",
        "category_en": "Poor",
        "color": [255, 126, 0],
        "sub_indices": {"pm25": 89, "pm10": 125},
        "nowcast": {"pm25": 44.65},
    }


@pytest.mark.parametrize(("text", "message"), [("{", "not JSON"), ('{"pm25": -3}', "pm25: must be")])
def test_cli_bad_input_exits_2_with_a_message(text: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["aqi"], input=text)
    assert result.exit_code == 2
    assert message in result.output
