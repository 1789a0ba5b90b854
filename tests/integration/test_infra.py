"""The local infrastructure `ioc infra` starts: real Kafka (KRaft), PostgreSQL with TimescaleDB, Mosquitto."""

import uuid

import pytest
from kafka import TopicPartition

from ioc import topics
from ioc.db import migrate
from ioc.feeds import registry
from ioc.infra import LocalInfra
from ioc.kafka_admin import adopt_offsets, ensure_topics, group_position, place_group, wait_ready
from ioc.settings import Settings
from tests.infra import query

pytestmark = pytest.mark.integration


def test_status_reports_every_service_running(settings: Settings) -> None:
    status = LocalInfra(settings).status()
    for name in ("kafka", "postgres", "mosquitto"):
        assert status[name].startswith(("running", "external")), status


def test_topics_exist_with_configured_partitions_and_creation_is_idempotent(settings: Settings) -> None:
    names = topics.all_topics(list(registry()))
    assert set(names) <= wait_ready(settings.bootstrap_servers)
    assert ensure_topics(settings.bootstrap_servers, names, settings.topic_partitions, 1) == []


def test_schema_is_hypertables_and_migrating_again_is_a_no_op(settings: Settings) -> None:
    assert migrate(settings.dsn) == []
    rows = query(settings, "SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1")
    assert [r[0] for r in rows] == [
        "alert_delivery",
        "alert_event",
        "dead_letter",
        "event",
        "kpi_window",
        "observation",
        "source_activity",
    ]
    assert query(settings, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")


def test_a_new_group_adopts_the_offsets_of_the_group_it_replaces_once(settings: Settings) -> None:
    """The validator's own group, new on an upgrade, starts where the app's group had read the ingest topics."""
    tag = uuid.uuid4().hex[:6]
    old, new = f"adopt-old-{tag}", f"adopt-new-{tag}"
    ingest = topics.ingest_topic("air_quality")
    servers = settings.bootstrap_servers
    place_group(servers, old, {TopicPartition(ingest, 0): 0, TopicPartition(topics.OBS, 0): 0})
    assert adopt_offsets(servers, new, old, [ingest]) == 1
    assert group_position(servers, new, [ingest]).done[(ingest, 0)] == 0
    place_group(servers, old, {TopicPartition(ingest, 0): 0, TopicPartition(ingest, 1): 0})
    assert adopt_offsets(servers, new, old, [ingest]) == 0  # it has committed: left where it is
    assert adopt_offsets(servers, f"adopt-fresh-{tag}", f"adopt-none-{tag}", [ingest]) == 0
