"""Test settings: a local infra of its own (.ioc-test/, other ports) so tests run beside `make run`.

Set IOC_KAFKA_BOOTSTRAP and IOC_DATABASE_URL to run the integration tests against existing servers.
"""

from __future__ import annotations

import os

TEST_ENV = {
    "IOC_HOME": ".ioc-test",
    "IOC_KAFKA_PORT": "29192",
    "IOC_KAFKA_CONTROLLER_PORT": "29193",
    "IOC_PG_PORT": "55532",
    "IOC_MQTT_PORT": "21983",
    "IOC_DASHBOARD_PORT": "8188",
    "IOC_APP_ID": "ioc-worker-test",
    "IOC_SINK_FLUSH_SECONDS": "0.2",
    "IOC_WORKER_STALL_SECONDS": "30",
    "IOC_TIMELINESS_SECONDS": "5",
    "IOC_LOG_LEVEL": "info",
}
for _name, _value in TEST_ENV.items():
    os.environ.setdefault(_name, _value)

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

from ioc.settings import Settings  # noqa: E402


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Real Kafka and TimescaleDB: fresh local ones under .ioc-test/, or the servers IOC_* points at."""
    from tests.infra import prepare, start_fresh

    s = Settings()
    if s.local_kafka or s.local_database:
        infra = start_fresh(s)
        yield s
        if not os.environ.get("IOC_TEST_KEEP_INFRA"):
            infra.down()
    else:
        prepare(s)
        yield s


FIGURES: list[str] = []


@pytest.fixture
def report() -> Callable[[str], None]:
    """Measured figures (latencies, counts) that the run prints at its end, also on CI."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("measured")
        for line in FIGURES:
            terminalreporter.write_line(line)
