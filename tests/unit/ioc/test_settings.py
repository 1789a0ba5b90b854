import pytest
from pydantic import ValidationError

from ioc.settings import Settings


def test_local_infra_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IOC_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("IOC_DATABASE_URL", raising=False)
    s = Settings(kafka_port=1234, pg_port=5555)
    assert s.local_kafka and s.local_database
    assert s.bootstrap_servers == ["127.0.0.1:1234"]
    assert s.dsn == "postgresql://postgres@127.0.0.1:5555/ioc"


def test_external_servers_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_KAFKA_BOOTSTRAP", "k1:9092, k2:9092")
    monkeypatch.setenv("IOC_DATABASE_URL", "postgresql://ioc@db/ioc")
    s = Settings()
    assert not s.local_kafka and not s.local_database
    assert s.bootstrap_servers == ["k1:9092", "k2:9092"]
    assert s.dsn == "postgresql://ioc@db/ioc"


def test_bad_values_are_refused_with_the_field_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_LOG_LEVEL", "loud")
    with pytest.raises(ValidationError, match="log_level"):
        Settings()
    monkeypatch.setenv("IOC_LOG_LEVEL", "INFO")
    monkeypatch.setenv("IOC_TOPIC_PARTITIONS", "0")
    with pytest.raises(ValidationError, match="topic_partitions"):
        Settings()


def test_the_mqtt_url_is_checked_and_its_login_decoded() -> None:
    from ioc.settings import MqttBroker

    broker = Settings(mqtt_url="mqtts://ioc-bridge:p%2Fss%40rd@mqtt.example.vn").mqtt_broker
    assert broker == MqttBroker("mqtt.example.vn", 8883, "ioc-bridge", "p/ss@rd", True)
    assert Settings(mqtt_url="mqtt://h:1884").mqtt_broker == MqttBroker("h", 1884)
    assert Settings(mqtt_url="").mqtt_url is None and Settings(mqtt_port=2).mqtt_broker == MqttBroker("127.0.0.1", 2)
    for bad in ("http://h", "mqtt://", "mqtt://h:99999", "mqtt://h:port"):
        with pytest.raises(ValidationError):
            Settings(mqtt_url=bad)


def test_the_storm_summary_interval_is_bounded_with_a_clear_error() -> None:
    assert Settings(storm_summary_minutes=0.5).storm_summary_minutes == 0.5
    for bad in (0, -5, 1441):
        with pytest.raises(ValidationError, match="must be more than 0 and at most 1440"):
            Settings(storm_summary_minutes=bad)
