"""The one settings class of the project. Read once at the edge (CLI, app factories) and passed down."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MqttBroker(NamedTuple):
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


class Settings(BaseSettings):
    """Every knob, from environment variables prefixed ``IOC_`` (e.g. ``IOC_KAFKA_BOOTSTRAP``)."""

    model_config = SettingsConfigDict(env_prefix="IOC_", extra="ignore")

    home: Path = Field(Path(".ioc"), description="Directory for local infrastructure data, logs and pid files.")
    kafka_bootstrap: str | None = Field(
        None, description="Existing Kafka brokers (host:port, comma separated). Unset: start a local broker."
    )
    database_url: str | None = Field(
        None, description="Existing PostgreSQL+TimescaleDB URL. Unset: start a local cluster."
    )
    kafka_port: int = Field(29092, description="Port of the local Kafka broker.")
    kafka_controller_port: int = Field(29093, description="KRaft controller port of the local Kafka broker.")
    pg_port: int = Field(55432, description="Port of the local PostgreSQL cluster.")
    mqtt_url: str | None = Field(
        None,
        description="Existing MQTT broker, mqtt://[user:password@]host[:port] or mqtts://... (TLS)."
        " Unset: start a local Mosquitto.",
    )
    mqtt_port: int = Field(21883, description="Port of the local Mosquitto broker.")
    mqtt_bridge: bool = Field(True, description="Whether `ioc run` starts the MQTT bridge (ioc/<feed>/<source>).")
    mqtt_client_id: str = Field(
        "ioc-mqtt-bridge", description="MQTT client id of the bridge; its persistent session keeps messages for it."
    )
    pg_database: str = Field("ioc", description="Database name on the local cluster.")
    topic_partitions: int = Field(4, ge=1, description="Partitions of every topic the project creates.")
    topic_replication: int = Field(1, ge=1, description="Replication factor of created topics.")
    app_id: str = Field("ioc-worker", description="Faust application id, also the worker's consumer group.")
    dashboard_host: str = Field("127.0.0.1", description="Interface the dashboard listens on.")
    dashboard_port: int = Field(8000, description="Port of the dashboard (REST, websocket, web page).")
    kpi_window_seconds: int = Field(60, ge=1, description="Size of the tumbling KPI window.")
    allowed_lateness_seconds: int = Field(
        120, ge=0, description="Records later than this behind the newest event time are not aggregated."
    )
    max_future_seconds: int = Field(600, ge=0, description="Event times further ahead of now are rejected.")
    sink_batch_size: int = Field(500, ge=1, description="Records per database write.")
    sink_flush_seconds: float = Field(1.0, gt=0, description="Longest wait before a partial batch is written.")
    worker_stall_seconds: float = Field(
        90.0,
        ge=0,
        description="A worker whose group has not moved for this long while records wait exits "
        "(to be restarted by its supervisor); 0 disables the watchdog.",
    )
    feeds_dir: Path | None = Field(
        None, description="A folder of extra feed declarations (*.yaml), read besides the shipped ones."
    )
    sources_dir: Path | None = Field(
        None, description="A folder of extra source metadata (*.yaml: stations, gauges...), read besides the shipped."
    )
    ingest_max_bytes: int = Field(5_000_000, ge=1024, description="Largest HTTP ingest body (bytes); larger is 413.")
    ingest_max_records: int = Field(10_000, ge=1, description="Most records per HTTP ingest request; more is 413.")
    rules_dir: Path | None = Field(
        None, description="A folder of extra alert rule packs (*.yaml); a pack named like a shipped one replaces it."
    )
    receivers_file: Path | None = Field(
        None, description="Receivers and routing of alert notifications (YAML, see alerts/receivers.example.yaml)."
    )
    alert_tick_seconds: float = Field(5.0, gt=0, description="How often silent sources and escalations are checked.")
    alert_escalate_minutes: float = Field(
        15.0, gt=0, description="A critical alert nobody acknowledged in this time is escalated."
    )
    incident_window_minutes: float = Field(
        60.0,
        gt=0,
        description="An alert firing this soon after the last one of its domain and area joins its incident.",
    )
    index766_inputs: Path | None = Field(
        None, description="YAML of the Decision 766 parts events cannot give: {agency or '*': {part id: ratio}}."
    )
    timeliness_seconds: float = Field(
        900.0, ge=1, description="How often the worker publishes each agency's Decision 766 timeliness as a KPI."
    )
    incident_storm_alerts: int = Field(
        5, ge=2, description="An incident with this many alerts is a storm: its alerts are notified as summaries."
    )
    storm_summary_minutes: float = Field(
        15.0,
        description="While a storm incident has news, its receivers get a summary at most this often (minutes);"
        " the first and the resolution summaries go out at once.",
    )
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="A dashboard login lasts this long.")
    cookie_secure: bool = Field(
        False, description="Send the session cookie over HTTPS only (set it when a TLS proxy fronts the dashboard)."
    )
    retention: str = Field(
        "",
        description="Days kept per table, over the defaults of ioc/retention.py, e.g. 'observation=90,dead_letter=30'"
        " ('forever' keeps a table); the worker drops older chunks every hour.",
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed (comma separated, '*' any):"
        " logins are throttled per client address, which behind a proxy only these headers give.",
    )
    cors_origins: str = Field(
        "", description="Other web origins allowed to call the API with credentials (comma separated); none by default."
    )
    tile_url: str | None = Field(
        None, description="Map tile server, e.g. https://tiles.example.vn/{z}/{x}/{y}.png; unset: the offline map only."
    )
    dashboard_public_url: str | None = Field(
        None, description="The dashboard's address as officials reach it (links in notifications)."
    )
    smtp_host: str | None = Field(None, description="SMTP server for alert e-mails; unset: no e-mail is sent.")
    smtp_port: int = Field(25, description="Port of the SMTP server.")
    smtp_sender: str = Field("ioc@localhost", description="From address of alert e-mails.")
    smtp_username: str | None = Field(None, description="SMTP login, if the server needs one.")
    smtp_password: str | None = Field(None, description="SMTP password (environment only, never in a file).")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    notify_attempts: int = Field(6, ge=1, description="Attempts to deliver one notification before it is failed.")
    notify_backoff_seconds: float = Field(1.0, gt=0, description="First retry delay; doubles each attempt.")
    simulate: bool = Field(True, description="Whether `ioc run` starts the simulators.")
    simulator_scenario: str = Field(
        "normal", description="Scenario of the simulators: normal, flood, pollution-episode, service-backlog or storm."
    )
    simulator_seed: int = Field(42, description="Seed of the deterministic simulators.")
    simulator_interval_seconds: float = Field(5.0, gt=0, description="Seconds between a station's readings.")
    simulator_backfill_minutes: int = Field(
        5, ge=0, description="Minutes of history the simulator plays quickly at start so windows fill at once."
    )
    simulator_history_hours: int = Field(
        12, ge=0, le=48, description="Hours of coarser history before that, so hourly indicators (VN_AQI) show at once."
    )
    simulator_history_interval_seconds: float = Field(300.0, gt=0, description="Spacing of that history.")
    simulator_event_history_days: int = Field(
        2, ge=0, le=60, description="Days of dossiers and feedback (whole lives so far) the simulator plays at start."
    )
    log_level: str = Field("info", description="Log level of every process (debug, info, warning, error).")

    @field_validator("cors_origins")
    @classmethod
    def _listed_origins(cls, value: str) -> str:
        """Credentials are allowed to these origins, so each must be named: "*" would let any site read the API."""
        if any(origin.strip() == "*" for origin in value.split(",")):
            raise ValueError('name the origins (e.g. https://ioc.hue.gov.vn); "*" would let any site use a login')
        return value

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        from ioc.retention import RetentionError, parse

        try:
            parse(value)
        except RetentionError as exc:
            raise ValueError(str(exc).removeprefix("IOC_RETENTION: ")) from None
        return value

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        url = urlsplit(value)
        try:
            url.port  # noqa: B018 - raises on a port that is not a number in 0-65535
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from None
        if url.scheme not in {"mqtt", "mqtts"} or not url.hostname:
            raise ValueError("must look like mqtt://[user:password@]host[:port] or mqtts://...")
        return value

    @field_validator("storm_summary_minutes")
    @classmethod
    def _summary_interval(cls, value: float) -> float:
        """Zero would send a summary on every change (the noise storm mode exists to stop); over a day, an
        official would hear of a flood's course too late."""
        if not 0 < value <= 24 * 60:
            raise ValueError(f"{value:g} minutes: must be more than 0 and at most 1440 (a day), e.g. 15")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"debug", "info", "warning", "error"}:
            raise ValueError("must be one of debug, info, warning, error")
        return value

    @property
    def local_kafka(self) -> bool:
        """True when this project must start its own broker."""
        return not self.kafka_bootstrap

    @property
    def local_database(self) -> bool:
        """True when this project must start its own PostgreSQL cluster."""
        return not self.database_url

    @property
    def local_mqtt(self) -> bool:
        """True when this project must start its own MQTT broker (for the bridge)."""
        return self.mqtt_bridge and not self.mqtt_url

    @property
    def mqtt_broker(self) -> MqttBroker:
        if not self.mqtt_url:
            return MqttBroker("127.0.0.1", self.mqtt_port)
        url = urlsplit(self.mqtt_url)
        tls = url.scheme == "mqtts"
        user, password = (unquote(part) if part is not None else None for part in (url.username, url.password))
        return MqttBroker(url.hostname or "127.0.0.1", url.port or (8883 if tls else 1883), user, password, tls)

    @property
    def bootstrap_servers(self) -> list[str]:
        if self.kafka_bootstrap:
            return [server.strip() for server in self.kafka_bootstrap.split(",") if server.strip()]
        return [f"127.0.0.1:{self.kafka_port}"]

    @property
    def dsn(self) -> str:
        return self.database_url or f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.pg_database}"

    @property
    def dashboard_url(self) -> str:
        return f"http://{self.dashboard_host}:{self.dashboard_port}/"


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read from the environment once."""
    return Settings()
