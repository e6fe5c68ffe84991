-- Per-project quota overrides; absent rows take the configured defaults.
CREATE TABLE quotas (
    project_id text   NOT NULL,
    resource   text   NOT NULL,
    hard_limit bigint NOT NULL CHECK (hard_limit >= -1),
    PRIMARY KEY (project_id, resource)
);
