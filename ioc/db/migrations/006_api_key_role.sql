-- What a key may do: integrators ingest; operators read and act on alerts; officials read; admins all.
ALTER TABLE api_key ADD COLUMN role text NOT NULL DEFAULT 'integrator'
    CHECK (role IN ('integrator', 'operator', 'official', 'admin'));
