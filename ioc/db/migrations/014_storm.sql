-- Storm mode: an incident of IOC_INCIDENT_STORM_ALERTS alerts or more is notified as summaries.
-- position: the order in which alerts joined their incident (1, 2, ...), set once by the alert sink under its
-- lock, so whether a firing is notified alone (below the threshold) or grouped never changes on a redelivery.
ALTER TABLE incident_alert ADD COLUMN position integer;
UPDATE incident_alert ia SET position = ranked.n
FROM (SELECT transition_id, row_number() OVER (PARTITION BY incident_id ORDER BY fired_at, transition_id) AS n
      FROM incident_alert) ranked
WHERE ranked.transition_id = ia.transition_id;

-- One summary of a storm incident for one receiver, made (with what it says) before it is sent: a worker
-- killed while sending sends the same text again, with the same idempotency key, and the delivery log skips
-- what was sent.
CREATE TABLE storm_summary (
    incident_id text        NOT NULL REFERENCES incident (id),
    receiver    text        NOT NULL,
    n           integer     NOT NULL,              -- 1, 2, ... per incident and receiver
    made_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,                       -- a resolution summary: the incident's resolved_at it reports
    content     jsonb       NOT NULL,              -- alerts.storm.Summary
    done        boolean     NOT NULL DEFAULT false, -- every channel sent or failed
    PRIMARY KEY (incident_id, receiver, n)
);
CREATE INDEX storm_summary_pending ON storm_summary (made_at) WHERE NOT done;

-- A transition of a storm incident is not notified alone: `grouped`, its incident in `error`.
ALTER TABLE alert_delivery DROP CONSTRAINT alert_delivery_status_check;
ALTER TABLE alert_delivery ADD CONSTRAINT alert_delivery_status_check
    CHECK (status IN ('sent', 'retry', 'failed', 'skipped', 'silenced', 'grouped'));

-- The incident a delivery row is about: a grouped transition's, or a summary's (then transition_id is
-- incident:<id>:summary:<n>); the summaries go to the receivers its grouped transitions were routed to.
ALTER TABLE alert_delivery ADD COLUMN incident_id text;
CREATE INDEX alert_delivery_incident ON alert_delivery (incident_id, receiver) WHERE incident_id IS NOT NULL;
