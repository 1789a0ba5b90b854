"""The local infrastructure `ioc infra` starts: real Kafka (KRaft), PostgreSQL with TimescaleDB, Mosquitto."""

import pytest

from ioc import topics
from ioc.db import migrate
from ioc.feeds import registry
from ioc.infra import LocalInfra
from ioc.kafka_admin import ensure_topics, wait_ready
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
