"""Names of the Kafka topics; every topic is created explicitly at start-up (see ioc.kafka_admin)."""

OBS = "ioc.obs"
KPI = "ioc.kpi"
DEADLETTER = "ioc.deadletter"
ALERTS = "ioc.alerts"  # every alert transition, keyed by fingerprint
ALERT_COMMANDS = "ioc.alert-commands"  # operators' actions and the clock's ticks, keyed by the alert's source
INGEST_PREFIX = "ioc.ingest."


def ingest_topic(feed: str) -> str:
    """Topic that every adapter of ``feed`` produces raw envelopes to."""
    return f"{INGEST_PREFIX}{feed}"


def all_topics(feeds: list[str]) -> list[str]:
    return [*(ingest_topic(feed) for feed in feeds), OBS, KPI, DEADLETTER, ALERTS, ALERT_COMMANDS]


# What each consumer group of the worker reads: the Faust agents (group = app id), the sinks, the notifier,
# the validator.
SINK_INPUTS = (OBS, KPI, DEADLETTER, ALERTS)
AGENT_INPUTS = (OBS, KPI, ALERT_COMMANDS)


def validate_group(app_id: str) -> str:
    return f"{app_id}-validate"


def sink_group(app_id: str) -> str:
    return f"{app_id}-sink"


def notify_group(app_id: str) -> str:
    return f"{app_id}-notify"


def worker_groups(app_id: str, feeds: list[str]) -> dict[str, list[str]]:
    """The worker's consumer groups and the topics each reads."""
    return {
        app_id: list(AGENT_INPUTS),
        sink_group(app_id): list(SINK_INPUTS),
        notify_group(app_id): [ALERTS],
        validate_group(app_id): [ingest_topic(feed) for feed in feeds],
    }
