from __future__ import annotations

from typing import Any

from aiokafka.client import AIOKafkaClient

from streams.kafka_metadata import add_topic


class Client:
    """The part of AIOKafkaClient that add_topic touches: the tracked topics and the forced metadata fetch."""

    def __init__(self, tracked: set[str]) -> None:
        self._topics = set(tracked)
        self.fetches = 0

    def force_metadata_update(self) -> str:
        self.fetches += 1
        return "fetching"


def test_aiokafka_alone_starts_tracking_one_topic_and_forgets_the_others() -> None:
    """What made the producer drop every other topic from its cache (seen in e2e runs, reproduced alone)."""
    client: Any = Client(set())
    client._loop = None
    AIOKafkaClient.add_topic(client, "ioc-worker-test-kpi-seen-changelog")
    assert client._topics == {"ioc-worker-test-kpi-seen-changelog"}


def test_a_client_of_every_topic_stays_one() -> None:
    client = Client(set())
    assert add_topic(client, "ioc-worker-test-kpi-seen-changelog") == "fetching"
    assert client._topics == set() and client.fetches == 1


def test_a_client_of_chosen_topics_adds_the_topic() -> None:
    class Loop:
        def create_future(self) -> Any:
            return None

    client: Any = Client({"ioc.obs"})
    client._loop = Loop()
    add_topic(client, "ioc.kpi")
    assert client._topics == {"ioc.obs", "ioc.kpi"} and client.fetches == 1
