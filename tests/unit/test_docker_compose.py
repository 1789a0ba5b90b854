"""The production topology must speak the same settings as the code (it cannot be run here)."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ioc.settings import Settings

ROOT = Path(__file__).parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APP = ("ioc-init", "worker", "dashboard", "mqtt-bridge", "simulator")
BROKERS = ("kafka-1", "kafka-2", "kafka-3")


def test_services_are_the_documented_topology() -> None:
    assert set(SERVICES) == {*BROKERS, "timescaledb", "mosquitto", *APP}
    assert SERVICES["timescaledb"]["image"].startswith("timescale/timescaledb:")
    assert all(SERVICES[name]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller" for name in BROKERS)
    node_ids = {SERVICES[name]["environment"]["KAFKA_NODE_ID"] for name in BROKERS}
    assert node_ids == {"1", "2", "3"}


def test_app_environment_names_are_settings_fields() -> None:
    fields = {f"IOC_{name.upper()}" for name in Settings.model_fields}
    for name in APP:
        env = SERVICES[name]["environment"]
        assert set(env) <= fields, f"{name}: unknown {set(env) - fields}"
        Settings(**{key.removeprefix("IOC_").lower(): value for key, value in env.items() if "${" not in value})


def test_app_points_at_the_brokers_and_the_database_service() -> None:
    env = SERVICES["worker"]["environment"]
    listener_port = SERVICES["kafka-1"]["environment"]["KAFKA_LISTENERS"].split(",")[0].rsplit(":", 1)[1]
    assert env["IOC_KAFKA_BOOTSTRAP"].split(",") == [f"{b}:{listener_port}" for b in BROKERS]
    db = urlsplit(env["IOC_DATABASE_URL"].replace("${IOC_DB_PASSWORD:?set IOC_DB_PASSWORD}", "x"))
    assert (db.hostname, db.port, db.path) == ("timescaledb", 5432, "/ioc")
    assert int(env["IOC_TOPIC_REPLICATION"]) <= len(BROKERS)


def test_dashboard_publishes_the_port_it_listens_on() -> None:
    dashboard = SERVICES["dashboard"]
    port = dashboard["environment"]["IOC_DASHBOARD_PORT"]
    assert dashboard["ports"] == [f"{port}:{port}"]
    assert dashboard["environment"]["IOC_DASHBOARD_HOST"] == "0.0.0.0"


def test_the_bridge_reaches_the_broker_on_the_port_it_listens_on() -> None:
    url = SERVICES["mqtt-bridge"]["environment"]["IOC_MQTT_URL"].replace("${IOC_MQTT_BRIDGE_PASSWORD:?", "")
    config = (ROOT / "deploy" / "mosquitto.conf").read_text().splitlines()
    assert f"listener {urlsplit(url).port}" in config and "allow_anonymous false" in config
    assert urlsplit(url).hostname == "mosquitto" and urlsplit(url).scheme == "mqtt"
    assert SERVICES["mosquitto"]["ports"] == [f"{urlsplit(url).port}:{urlsplit(url).port}"]


def test_no_secret_is_written_in_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "PASSWORD: ${IOC_DB_PASSWORD:?" in text
    assert "password=" not in text.lower()
