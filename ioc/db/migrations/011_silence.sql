-- Silences: maintenance windows and area silences that mute the notifications of the alerts they match
-- (the alerts still fire and resolve). Ending one early sets ends_at to the moment it was ended.
CREATE TABLE silence (
    id         text        PRIMARY KEY,
    matchers   jsonb       NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    comment    text        NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_by   text,
    CHECK (ends_at > starts_at)
);
CREATE INDEX silence_ends_at ON silence (ends_at);

-- A notification muted by a silence is logged as such, with the silence in `error`.
ALTER TABLE alert_delivery DROP CONSTRAINT alert_delivery_status_check;
ALTER TABLE alert_delivery ADD CONSTRAINT alert_delivery_status_check
    CHECK (status IN ('sent', 'retry', 'failed', 'skipped', 'silenced'));
