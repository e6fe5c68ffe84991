-- Usage samples as the agents sent them. A sample is its resource, metric
-- and time: one delivered twice (a redelivery, a retried publish) is
-- stored once.
CREATE TABLE samples (
    resource_id   text        NOT NULL,
    metric        text        NOT NULL,
    sampled_at    timestamptz NOT NULL,
    resource_type text        NOT NULL,
    project_id    text        NOT NULL,
    unit          text        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('gauge', 'cumulative')),
    value         bigint      NOT NULL,
    host          text        NOT NULL,
    attributes    jsonb       NOT NULL DEFAULT '{}',
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_id, metric, sampled_at)
);
CREATE INDEX samples_project ON samples (project_id, sampled_at);
