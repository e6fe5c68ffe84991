-- Prices beyond an instance's flavor, all integer minor units of the card's
-- currency: per vCPU-hour and GiB-hour of RAM (flavors not listed), per
-- GiB-month (730 hours) of volume, snapshot and image, per hour of a
-- floating IP or a router, per GiB of network egress.
ALTER TABLE rate_cards ADD COLUMN prices jsonb NOT NULL DEFAULT '{}';
UPDATE rate_cards SET prices = jsonb_build_object('vcpu_hour', vcpu_hour, 'ram_gb_hour', ram_gb_hour);
ALTER TABLE rate_cards DROP COLUMN vcpu_hour, DROP COLUMN ram_gb_hour;

-- A line says what it charges for: time of an instance, volume, snapshot,
-- image, floating IP or router, or an instance's egress bytes.
ALTER TABLE invoice_lines
    ADD COLUMN resource_type text   NOT NULL DEFAULT 'instance',
    ADD COLUMN charge        text   NOT NULL DEFAULT 'time' CHECK (charge IN ('time', 'egress')),
    ADD COLUMN quantity      bigint NOT NULL DEFAULT 1,
    ADD COLUMN unit          text   NOT NULL DEFAULT 'instance';

-- Samples rolled up per resource, metric and hour: for a cumulative
-- counter the increase within the hour (a counter that went down was
-- reset: its new value is the increase), for a gauge the sum of its
-- readings; with the largest reading and how many there were.
CREATE TABLE usage_hourly (
    resource_id   text        NOT NULL,
    metric        text        NOT NULL,
    hour          timestamptz NOT NULL,
    project_id    text        NOT NULL,
    resource_type text        NOT NULL,
    unit          text        NOT NULL,
    kind          text        NOT NULL,
    total         bigint      NOT NULL,
    maximum       bigint      NOT NULL,
    samples       integer     NOT NULL,
    PRIMARY KEY (resource_id, metric, hour)
);
CREATE INDEX usage_hourly_project ON usage_hourly (project_id, hour);

-- Resources and metrics with samples not yet rolled up, and the span of
-- those samples; written in the same statement that stores them.
CREATE TABLE rollup_pending (
    resource_id text        NOT NULL,
    metric      text        NOT NULL,
    first_at    timestamptz NOT NULL,
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (resource_id, metric)
);
INSERT INTO rollup_pending
SELECT resource_id, metric, min(sampled_at), max(sampled_at) FROM samples GROUP BY 1, 2;
