-- Ids of bus messages this service has handled, claimed in the same
-- transaction as the work they caused, so a redelivered cast is a no-op.
CREATE TABLE bus_processed_messages (
    id         uuid        PRIMARY KEY,
    handled_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX bus_processed_messages_handled_at ON bus_processed_messages (handled_at);
