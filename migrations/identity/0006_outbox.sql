-- Events this service must not lose (token revocations), written
-- in the transaction that makes them true and published on the bus by the
-- relay of stratus-outbox, which deletes them once sent.
CREATE TABLE outbox (
    id         bigserial   PRIMARY KEY,
    event      jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
