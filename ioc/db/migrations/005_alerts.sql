-- Alerts: every transition (the audit trail, a hypertable), the current state per fingerprint, and the
-- notifications' delivery log. Transition id = fingerprint#seq, so a re-sent transition is stored once.
CREATE TABLE alert_event (
    time           timestamptz      NOT NULL,
    id             text             NOT NULL,
    fingerprint    text             NOT NULL,
    seq            integer          NOT NULL,
    kind           text             NOT NULL,
    state          text             NOT NULL,
    severity       text             NOT NULL,
    rule           text             NOT NULL,
    rule_type      text             NOT NULL,
    pack           text             NOT NULL,
    domain         text             NOT NULL,
    source         text             NOT NULL,
    feed           text             NOT NULL,
    unit_code      text,
    metric         text,
    value          double precision,
    threshold      double precision,
    summary        jsonb            NOT NULL DEFAULT '{}',
    by_user        text             NOT NULL,
    assignee       text,
    comment        text,
    command        text,
    flapping       boolean          NOT NULL DEFAULT false,
    silenced_until timestamptz,
    opened_at      timestamptz      NOT NULL,
    stored_at      timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (id, time)
);
SELECT create_hypertable('alert_event', 'time', chunk_time_interval => interval '30 days');
CREATE INDEX alert_event_fingerprint ON alert_event (fingerprint, seq);
CREATE INDEX alert_event_command ON alert_event (command) WHERE command IS NOT NULL;

CREATE TABLE alert (
    fingerprint    text             PRIMARY KEY,
    seq            integer          NOT NULL,
    kind           text             NOT NULL,
    state          text             NOT NULL,
    severity       text             NOT NULL,
    rule           text             NOT NULL,
    rule_type      text             NOT NULL,
    pack           text             NOT NULL,
    domain         text             NOT NULL,
    source         text             NOT NULL,
    feed           text             NOT NULL,
    unit_code      text,
    metric         text,
    value          double precision,
    threshold      double precision,
    summary        jsonb            NOT NULL DEFAULT '{}',
    assignee       text,
    flapping       boolean          NOT NULL DEFAULT false,
    silenced_until timestamptz,
    opened_at      timestamptz      NOT NULL,
    updated_at     timestamptz      NOT NULL
);
CREATE INDEX alert_open ON alert (state, severity) WHERE state <> 'resolved';

-- One row per attempt to notify one receiver of one transition; key = transition id + ':' + receiver.
CREATE TABLE alert_delivery (
    time          timestamptz NOT NULL DEFAULT now(),
    key           text        NOT NULL,
    transition_id text        NOT NULL,
    receiver      text        NOT NULL,
    channel       text        NOT NULL,
    attempt       integer     NOT NULL,
    status        text        NOT NULL CHECK (status IN ('sent', 'retry', 'failed', 'skipped')),
    error         text
);
SELECT create_hypertable('alert_delivery', 'time', chunk_time_interval => interval '30 days');
CREATE INDEX alert_delivery_key ON alert_delivery (key, status);
