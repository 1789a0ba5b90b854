-- Event feeds (dossiers, feedback, payments): one row per record with its attributes (status codes,
-- times); its numeric values, if any, are also observations. Keyed like observations: replays are no-ops.
CREATE TABLE event (
    time        timestamptz NOT NULL,
    record_id   text        NOT NULL,
    feed        text        NOT NULL,
    source      text        NOT NULL,
    unit_code   text,
    attributes  jsonb       NOT NULL,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (record_id, time)
);
SELECT create_hypertable('event', 'time', chunk_time_interval => interval '7 days');
CREATE INDEX event_feed_source_time ON event (feed, source, time DESC);
