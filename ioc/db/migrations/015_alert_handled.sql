-- The transitions the notifier has decided on, whoever it notified (nobody when no route matched or no
-- receivers file was set). After a restart the alert agent sends its alerts' recent transitions again
-- (alerts.engine: tick), and a notifier killed before its commit reads a batch again: a transition decided
-- on once is not decided again, so a receiver configured since then does not hear of old news. One small row
-- per notifiable transition, kept as long as the incidents (no retention).
CREATE TABLE alert_handled (
    transition_id text        PRIMARY KEY,
    handled_at    timestamptz NOT NULL DEFAULT now()
);
