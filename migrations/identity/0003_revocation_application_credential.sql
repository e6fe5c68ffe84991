-- Revocation events can name an application credential: deleting one
-- revokes the tokens issued with it.
ALTER TABLE revocation_events ADD COLUMN application_credential_id text;
