from dashboard.hub import Hub


def kpi(source: str, value: float, minute: int = 0, revision: int = 0) -> dict[str, object]:
    start = f"2026-11-24T01:{minute:02d}:00+00:00"
    return {"kpi": "mean_60s", "source": source, "metric": "pm25", "value": value, "window_start": start,
            "revision": revision}  # fmt: skip


async def test_clients_get_only_their_channels_and_snapshot_holds_the_newest() -> None:
    hub = Hub(["127.0.0.1:1"])
    hub.seed("kpi", [kpi("S1", 1.0)])
    kpi_box = hub.subscribe(frozenset({"kpi"}))
    obs_box = hub.subscribe(frozenset({"obs"}))
    hub.publish("kpi", kpi("S1", 2.0))
    hub.seed("kpi", [kpi("S1", 0.5)])  # a stale seed never overwrites live data
    assert await kpi_box.get() == {"type": "kpi", "data": kpi("S1", 2.0)}
    assert len(obs_box) == 0
    assert hub.snapshot(frozenset({"kpi", "obs"})) == {"type": "snapshot", "kpi": [kpi("S1", 2.0)], "obs": []}
    hub.unsubscribe(kpi_box)
    assert list(hub.clients) == [obs_box]


async def test_an_older_window_or_revision_never_replaces_the_kept_one() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(frozenset({"kpi"}))
    hub.publish("kpi", kpi("S1", 5.0, minute=2, revision=1))
    hub.publish("kpi", kpi("S1", 4.0, minute=2, revision=0))  # an older revision, arriving late
    hub.publish("kpi", kpi("S1", 9.0, minute=1, revision=3))  # a late revision of the previous minute
    assert hub.snapshot(frozenset({"kpi"}))["kpi"] == [kpi("S1", 5.0, minute=2, revision=1)]
    assert len(box) == 1
    hub.publish("kpi", kpi("S1", 6.0, minute=3))
    assert hub.snapshot(frozenset({"kpi"}))["kpi"][0]["value"] == 6.0


def test_screens_get_readings_without_event_attributes() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(frozenset({"obs"}))
    event = {"id": "d#1", "feed": "dossier", "source": "HUE-AG-STP", "ts": "2026-11-24T01:00:00+00:00",
             "values": {}, "attributes": {"dossier_id": "d", "status": 1}}  # fmt: skip
    payment = {**event, "feed": "payment", "values": {"amount": 50000.0}}
    hub.publish("obs", event)
    hub.publish("obs", payment)
    assert hub.snapshot(frozenset({"obs"}))["obs"] == [{k: v for k, v in payment.items() if k != "attributes"}]
    assert len(box) == 1


async def test_a_feed_health_row_is_sent_when_it_changes_only() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(frozenset({"health"}))
    row = {"feed": "air_quality", "source": "HUE-AQ-01", "status": "ok", "records": 10}
    hub.publish("health", dict(row))
    hub.publish("health", dict(row))  # counted again, the same
    hub.publish("health", {**row, "status": "silent"})
    assert len(box) == 1  # coalesced per source: the newest row waits
    assert await box.get() == {"type": "health", "data": {**row, "status": "silent"}}
    assert hub.snapshot(frozenset({"health"}))["health"] == [{**row, "status": "silent"}]
