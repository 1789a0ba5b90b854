from dashboard.hub import Hub


def kpi(source: str, value: float) -> dict[str, object]:
    return {"kpi": "mean_60s", "source": source, "metric": "pm25", "value": value}


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
