-- Revocation events can name a role: deleting a role revokes the tokens
-- that carry it.
ALTER TABLE revocation_events ADD COLUMN role_id text;
