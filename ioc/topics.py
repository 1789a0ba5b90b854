"""Names of the Kafka topics; every topic is created explicitly at start-up (see ioc.kafka_admin)."""

OBS = "ioc.obs"
KPI = "ioc.kpi"
DEADLETTER = "ioc.deadletter"
INGEST_PREFIX = "ioc.ingest."


def ingest_topic(feed: str) -> str:
    """Topic that every adapter of ``feed`` produces raw envelopes to."""
    return f"{INGEST_PREFIX}{feed}"


def all_topics(feeds: list[str]) -> list[str]:
    return [*(ingest_topic(feed) for feed in feeds), OBS, KPI, DEADLETTER]
