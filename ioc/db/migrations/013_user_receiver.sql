-- An official linked to an alert receiver (its id in IOC_RECEIVERS_FILE) sees what was sent to them.
ALTER TABLE app_user ADD COLUMN receiver text;
