-- When `ioc deadletter replay` sent a dead letter's original bytes back to its ingest topic.
ALTER TABLE dead_letter ADD COLUMN replayed_at timestamptz;
