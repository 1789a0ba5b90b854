import json

from dashboard.hub import Hub, Wanted


def kpi(source: str, value: float, minute: int = 0, revision: int = 0) -> dict[str, object]:
    start = f"2026-11-24T01:{minute:02d}:00+00:00"
    return {"kpi": "mean_60s", "source": source, "metric": "pm25", "value": value, "window_start": start,
            "revision": revision}  # fmt: skip


async def test_clients_get_only_their_channels_and_snapshot_holds_the_newest() -> None:
    hub = Hub(["127.0.0.1:1"])
    hub.seed("kpi", [kpi("S1", 1.0)])
    kpi_box = hub.subscribe(Wanted(frozenset({"kpi"})))
    obs_box = hub.subscribe(Wanted(frozenset({"obs"})))
    hub.publish("kpi", kpi("S1", 2.0))
    hub.seed("kpi", [kpi("S1", 0.5)])  # a stale seed never overwrites live data
    assert await kpi_box.get() == {"type": "kpi", "seq": 1, "data": kpi("S1", 2.0)}
    assert len(obs_box) == 0
    assert hub.snapshot(Wanted(frozenset({"kpi", "obs"}))) == {
        "type": "snapshot", "epoch": hub.epoch, "seq": 1, "kpi": [kpi("S1", 2.0)], "obs": []
    }  # fmt: skip
    hub.unsubscribe(kpi_box)
    assert list(hub.clients) == [obs_box]


async def test_an_older_window_or_revision_never_replaces_the_kept_one() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(Wanted(frozenset({"kpi"})))
    hub.publish("kpi", kpi("S1", 5.0, minute=2, revision=1))
    hub.publish("kpi", kpi("S1", 4.0, minute=2, revision=0))  # an older revision, arriving late
    hub.publish("kpi", kpi("S1", 9.0, minute=1, revision=3))  # a late revision of the previous minute
    assert hub.snapshot(Wanted(frozenset({"kpi"})))["kpi"] == [kpi("S1", 5.0, minute=2, revision=1)]
    assert len(box) == 1
    hub.publish("kpi", kpi("S1", 6.0, minute=3))
    assert hub.snapshot(Wanted(frozenset({"kpi"})))["kpi"][0]["value"] == 6.0


def test_screens_get_readings_without_event_attributes() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(Wanted(frozenset({"obs"})))
    event = {"id": "d#1", "feed": "dossier", "source": "HUE-AG-STP", "ts": "2026-11-24T01:00:00+00:00",
             "values": {}, "attributes": {"dossier_id": "d", "status": 1}}  # fmt: skip
    payment = {**event, "feed": "payment", "values": {"amount": 50000.0}}
    hub.publish("obs", event)
    hub.publish("obs", payment)
    assert hub.snapshot(Wanted(frozenset({"obs"})))["obs"] == [{k: v for k, v in payment.items() if k != "attributes"}]
    assert len(box) == 1


async def test_a_feed_health_row_is_sent_when_it_changes_only() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(Wanted(frozenset({"health"})))
    row = {"feed": "air_quality", "source": "HUE-AQ-01", "status": "ok", "records": 10}
    hub.publish("health", dict(row))
    hub.publish("health", dict(row))  # counted again, the same
    hub.publish("health", {**row, "status": "silent"})
    assert len(box) == 1  # coalesced per source: the newest row waits
    assert (await box.get())["data"] == {**row, "status": "silent"}
    assert hub.snapshot(Wanted(frozenset({"health"})))["health"] == [{**row, "status": "silent"}]


def test_a_client_that_resumes_gets_exactly_what_it_missed_of_its_channels_and_areas() -> None:
    hub = Hub(["127.0.0.1:1"])
    wanted = Wanted(frozenset({"kpi"}), areas=("HUE.PHU",))
    seen = hub.snapshot(wanted)["seq"]
    hub.publish("kpi", {**kpi("S1", 1.0), "unit_code": "HUE.PHUHOI"})
    hub.publish("kpi", {**kpi("S2", 2.0), "unit_code": "HUE.KIMLONG"})  # another area
    hub.publish("obs", {"source": "S1", "values": {"pm25": 1.0}, "unit_code": "HUE.PHUHOI"})  # another channel
    hub.publish("kpi", {**kpi("S1", 3.0, minute=1), "unit_code": "HUE.PHUHOI"})
    missed = hub.missed(wanted, hub.epoch, seen)
    assert missed is not None and [m["data"]["value"] for m in missed] == [1.0, 3.0]
    assert [m["seq"] for m in missed] == [1, 4]
    assert hub.missed(wanted, hub.epoch, hub.seq) == []
    assert hub.missed(wanted, "another-process", seen) is None  # a restarted dashboard: a snapshot instead
    assert hub.missed(wanted, hub.epoch, hub.seq + 5) is None


def test_deltas_older_than_those_kept_need_a_snapshot() -> None:
    hub = Hub(["127.0.0.1:1"])
    hub.recent = type(hub.recent)(maxlen=2)
    for minute in range(4):
        hub.publish("kpi", kpi("S1", float(minute), minute=minute))
    assert hub.missed(Wanted(frozenset({"kpi"})), hub.epoch, 1) is None
    assert hub.missed(Wanted(frozenset({"kpi"})), hub.epoch, 2) is not None


def test_an_integrator_follows_only_its_feeds() -> None:
    hub = Hub(["127.0.0.1:1"])
    box = hub.subscribe(Wanted(frozenset({"health"}), feeds=("hydro",)))
    hub.publish("health", {"feed": "air_quality", "source": "HUE-AQ-01", "status": "ok"})
    hub.publish("health", {"feed": "hydro", "source": "HUE-WL-01", "status": "ok"})
    assert len(box) == 1
    assert [row["feed"] for row in hub.snapshot(Wanted(frozenset({"health"}), feeds=("hydro",)))["health"]] == ["hydro"]


def test_a_snapshot_text_is_shared_until_something_changes() -> None:
    hub = Hub(["127.0.0.1:1"])
    wanted = Wanted(frozenset({"kpi"}))
    hub.publish("kpi", kpi("S1", 1.0))
    first = hub.snapshot_text(wanted)
    assert hub.snapshot_text(Wanted(frozenset({"kpi"}))) is first  # an equal subscription: the same text
    assert json.loads(first) == hub.snapshot(wanted)
    hub.publish("kpi", kpi("S1", 2.0, minute=1))
    assert json.loads(hub.snapshot_text(wanted))["kpi"] == [kpi("S1", 2.0, minute=1)]
    hub.seed("kpi", [kpi("S2", 3.0)])  # a seed changes the snapshot without a sequence number
    assert len(json.loads(hub.snapshot_text(wanted))["kpi"]) == 2
