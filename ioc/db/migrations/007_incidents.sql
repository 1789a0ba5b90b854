-- Incidents: alerts of one domain and province area that fire while another is open (or shortly after)
-- are one incident (a flood raises many alerts at once). Filled by the alert sink, under a lock.
CREATE TABLE incident (
    id          text        PRIMARY KEY,  -- INC- + a hash of the transition that opened it
    domain      text        NOT NULL,
    area        text        NOT NULL,     -- the province part of the admin unit code (HUE.KIMLONG -> HUE)
    opened_at   timestamptz NOT NULL,
    last_at     timestamptz NOT NULL,     -- the newest firing in it
    alert_count integer     NOT NULL DEFAULT 0,
    severity    text        NOT NULL,     -- the highest severity of its alerts
    resolved_at timestamptz               -- once every alert in it is resolved
);
CREATE INDEX incident_open ON incident (domain, area, last_at DESC);

CREATE TABLE incident_alert (
    incident_id   text        NOT NULL REFERENCES incident (id),
    transition_id text        PRIMARY KEY,  -- the `fired` transition that joined it
    fingerprint   text        NOT NULL,
    fired_at      timestamptz NOT NULL
);
CREATE INDEX incident_alert_incident ON incident_alert (incident_id);
