-- People who log in to the dashboard (operators, officials, integrators, admins), and their sessions.
-- Passwords are Argon2id hashes; a session is kept as the SHA-256 of its random token, with its CSRF token.
CREATE TABLE app_user (
    username      text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('integrator', 'operator', 'official', 'admin')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);

CREATE TABLE user_session (
    token_sha  bytea PRIMARY KEY,
    username   text NOT NULL REFERENCES app_user ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz
);
CREATE INDEX user_session_username ON user_session (username);

-- The integrator a key was issued to, so their page lists their own keys.
ALTER TABLE api_key ADD COLUMN owner text REFERENCES app_user ON DELETE SET NULL;
