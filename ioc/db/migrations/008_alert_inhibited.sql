-- A transition of a source that is silent (its absence alert open) is recorded as inhibited: not notified.
ALTER TABLE alert_event ADD COLUMN inhibited boolean NOT NULL DEFAULT false;
