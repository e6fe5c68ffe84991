-- Invoices: one per project and period. A draft is priced afresh whenever
-- it is read; closing prices it once more, stores its lines and total, and
-- nothing changes it after.
CREATE TABLE invoices (
    id           uuid        PRIMARY KEY,
    project_id   text        NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL CHECK (period_end > period_start),
    status       text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'closed')),
    currency     text,
    total        bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    UNIQUE (project_id, period_start, period_end)
);

CREATE TABLE invoice_lines (
    invoice_id  uuid        NOT NULL REFERENCES invoices (id),
    seq         integer     NOT NULL,
    resource_id text        NOT NULL,
    flavor      text        NOT NULL,
    rate_card   bigint      NOT NULL REFERENCES rate_cards (id),
    line_start  timestamptz NOT NULL,
    line_end    timestamptz NOT NULL,
    millis      bigint      NOT NULL,
    amount      bigint      NOT NULL,
    PRIMARY KEY (invoice_id, seq)
);
