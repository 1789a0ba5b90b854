"""Feed health per source: statuses against the reporting interval, rates and rejected shares by hand."""

from datetime import UTC, datetime, timedelta

from ioc.feed_health import Expected, Seen, health, source_health, summary

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
STATION = Expected("air_quality", "HUE-AQ-01", "Trạm Lê Lợi", "HUE.THUANHOA", 60)


def seen(source: str, last: timedelta | None, records: int = 0, rejected: int = 0, feed: str = "air_quality") -> Seen:
    at = NOW - last if last is not None else None
    return Seen(feed, source, records, rejected, at, at, at, at)


def test_a_source_is_silent_after_three_reporting_intervals_without_a_record() -> None:
    assert source_health(seen("HUE-AQ-01", timedelta(seconds=180)), STATION, NOW, WINDOW)["status"] == "ok"
    row = source_health(seen("HUE-AQ-01", timedelta(seconds=181)), STATION, NOW, WINDOW)
    assert row["status"] == "silent" and row["silent_since"] == (NOW - timedelta(seconds=181)).isoformat()


def test_rate_and_rejected_share() -> None:
    """15 min window, 45 stored, 5 rejected: 3 records/min, 5 / 50 = 10% rejected."""
    row = source_health(seen("HUE-AQ-01", timedelta(seconds=5), 45, 5), STATION, NOW, WINDOW)
    assert (row["per_minute"], row["rejected_share"], row["status"]) == (3.0, 0.1, "ok")
    assert row["name"] == "Trạm Lê Lợi" and row["silent_since"] is None


def test_declared_sources_never_seen_and_unknown_senders_are_listed_worst_first() -> None:
    expected = [STATION, Expected("air_quality", "HUE-AQ-02", "Trạm 2", None, 60)]
    rows = health(
        [seen("HUE-AQ-01", timedelta(hours=1), 0), seen("NEW-1", timedelta(seconds=2), 30, feed="hydro")],
        expected,
        {"hydro": 300.0},
        NOW,
        WINDOW,
    )
    assert [(r["source"], r["status"]) for r in rows] == [
        ("HUE-AQ-02", "never"),
        ("HUE-AQ-01", "silent"),
        ("NEW-1", "ok"),
    ]
    assert rows[0]["rejected_share"] is None and rows[0]["last_seen"] is None
    assert rows[2]["interval_seconds"] == 300.0 and rows[2]["name"] is None  # the feed's interval
    assert summary(rows) == {
        "air_quality": {"ok": 0, "silent": 1, "never": 1},
        "hydro": {"ok": 1, "silent": 0, "never": 0},
    }
