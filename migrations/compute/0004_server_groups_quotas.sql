-- Server groups: a policy that places their members on one host
-- (affinity) or on different hosts (anti-affinity).
CREATE TABLE server_groups (
    id         uuid        PRIMARY KEY,
    project_id text        NOT NULL,
    user_id    text        NOT NULL,
    name       text        NOT NULL,
    policy     text        NOT NULL CHECK (policy IN ('affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX server_groups_project ON server_groups (project_id);

CREATE TABLE server_group_members (
    group_id  uuid NOT NULL REFERENCES server_groups (id) ON DELETE CASCADE,
    server_id uuid NOT NULL,
    PRIMARY KEY (group_id, server_id)
);

-- Per-project quota limits set by admins; what is not here is the default.
CREATE TABLE quotas (
    project_id text    NOT NULL,
    resource   text    NOT NULL,
    hard_limit integer NOT NULL,
    PRIMARY KEY (project_id, resource)
);
