-- Integrators' API keys for the HTTP ingest adapter. Only a SHA-256 of the secret is kept; the key is
-- shown once, when `ioc keys add` creates it. feeds NULL = every feed.
CREATE TABLE api_key (
    key_id     text        PRIMARY KEY,
    name       text        NOT NULL,
    secret_sha bytea       NOT NULL,
    feeds      text[],
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
