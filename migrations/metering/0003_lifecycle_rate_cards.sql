-- What happened to each resource, as its service said: the bounds of its
-- billable time. An event is its resource, kind and time (stored once).
CREATE TABLE lifecycle_events (
    resource_id   text        NOT NULL,
    event         text        NOT NULL CHECK (event IN ('created', 'resized', 'deleted')),
    at            timestamptz NOT NULL,
    resource_type text        NOT NULL,
    project_id    text        NOT NULL,
    attributes    jsonb       NOT NULL DEFAULT '{}',
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_id, event, at)
);
CREATE INDEX lifecycle_events_project ON lifecycle_events (project_id, at);

-- Versioned price lists: each applies from its effective time until the
-- next one's. Prices are integer minor units of `currency` per hour.
CREATE TABLE rate_cards (
    id             bigserial   PRIMARY KEY,
    effective_from timestamptz NOT NULL UNIQUE,
    currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- flavor name -> minor units per hour
    flavor_hour    jsonb       NOT NULL DEFAULT '{}',
    -- for flavors not listed: per vCPU-hour and per GiB-hour of RAM
    vcpu_hour      bigint      NOT NULL DEFAULT 0 CHECK (vcpu_hour >= 0),
    ram_gb_hour    bigint      NOT NULL DEFAULT 0 CHECK (ram_gb_hour >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);
