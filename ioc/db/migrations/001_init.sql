-- Walking skeleton schema: observations, KPI windows, dead letters. Apache-licensed TimescaleDB only.
CREATE EXTENSION IF NOT EXISTS timescaledb;

-- One row per (record, metric): the narrow shape every feed shares.
CREATE TABLE observation (
    time        timestamptz      NOT NULL,
    record_id   text             NOT NULL,
    feed        text             NOT NULL,
    source      text             NOT NULL,
    metric      text             NOT NULL,
    value       double precision NOT NULL,
    unit_code   text,
    ingested_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (record_id, metric, time)
);
SELECT create_hypertable('observation', 'time', chunk_time_interval => interval '1 day');
CREATE INDEX observation_source_metric_time ON observation (source, metric, time DESC);

-- One row per KPI window; a re-emitted window (higher revision) replaces the stored one.
CREATE TABLE kpi_window (
    window_start timestamptz      NOT NULL,
    window_end   timestamptz      NOT NULL,
    kpi          text             NOT NULL,
    feed         text             NOT NULL,
    source       text             NOT NULL,
    metric       text             NOT NULL,
    value        double precision NOT NULL,
    count        integer          NOT NULL,
    min          double precision NOT NULL,
    max          double precision NOT NULL,
    revision     integer          NOT NULL,
    unit_code    text,
    stored_at    timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (kpi, source, metric, window_start)
);
SELECT create_hypertable('kpi_window', 'window_start', chunk_time_interval => interval '7 days');
CREATE INDEX kpi_window_source_metric_start ON kpi_window (source, metric, window_start DESC);

-- Every rejected record, with the reason and its original bytes. dl_id = ingest topic:partition:offset.
CREATE TABLE dead_letter (
    received_at timestamptz NOT NULL,
    dl_id       text        NOT NULL,
    topic       text        NOT NULL,
    feed        text,
    source      text,
    field       text        NOT NULL,
    rule        text        NOT NULL,
    reason      text        NOT NULL,
    raw         bytea       NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dl_id, received_at)
);
SELECT create_hypertable('dead_letter', 'received_at', chunk_time_interval => interval '7 days');
