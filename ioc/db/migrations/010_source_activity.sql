-- Feed health per source. The sinks count, in the same transaction as each batch, only the rows that batch
-- newly stored (a batch read again after a crash stores nothing new and counts nothing).

-- What each source sent per minute of arrival: records stored, records rejected (dead letters).
CREATE TABLE source_activity (
    minute   timestamptz NOT NULL,
    feed     text        NOT NULL,
    source   text        NOT NULL,  -- '' for a rejected record that named no (valid) source
    records  integer     NOT NULL DEFAULT 0,
    rejected integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (feed, source, minute)
);
SELECT create_hypertable('source_activity', 'minute', chunk_time_interval => interval '1 day');

-- Each source's last record however long ago: "silent since" without scanning history.
CREATE TABLE source_seen (
    feed        text        NOT NULL,
    source      text        NOT NULL,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,  -- any record, stored or rejected
    last_stored timestamptz,           -- a stored one
    last_event  timestamptz,           -- the newest event time among stored ones
    PRIMARY KEY (feed, source)
);
