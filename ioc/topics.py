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


# What each consumer group of the worker reads: the Faust agents (group = app id) and the sinks.
SINK_INPUTS = (OBS, KPI, DEADLETTER)


def agent_inputs(feeds: list[str]) -> list[str]:
    return [*(ingest_topic(feed) for feed in feeds), OBS, KPI]


def sink_group(app_id: str) -> str:
    return f"{app_id}-sink"


def worker_groups(app_id: str, feeds: list[str]) -> dict[str, list[str]]:
    """The worker's consumer groups and the topics each reads."""
    return {app_id: agent_inputs(feeds), sink_group(app_id): list(SINK_INPUTS)}
