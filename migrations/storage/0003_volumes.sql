-- Cinder volumes and snapshots (qcow2 files on a storage host), and
-- per-project quota overrides (absent rows take the configured defaults).

CREATE TABLE volumes (
    id                text        PRIMARY KEY,
    project_id        text        NOT NULL,
    user_id           text        NOT NULL,
    name              text,
    description       text,
    size              integer     NOT NULL CHECK (size > 0),
    status            text        NOT NULL DEFAULT 'creating',
    host              text,
    availability_zone text        NOT NULL DEFAULT 'nova',
    image_id          text,
    snapshot_id       text,
    source_volid      text,
    bootable          boolean     NOT NULL DEFAULT false,
    metadata          jsonb       NOT NULL DEFAULT '{}',
    image_metadata    jsonb,
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volumes_project ON volumes (project_id, created_at DESC, id DESC);
CREATE INDEX volumes_image ON volumes (image_id) WHERE image_id IS NOT NULL;

CREATE TABLE snapshots (
    id          text        PRIMARY KEY,
    project_id  text        NOT NULL,
    user_id     text        NOT NULL,
    volume_id   text        NOT NULL REFERENCES volumes (id),
    name        text,
    description text,
    size        integer     NOT NULL,
    status      text        NOT NULL DEFAULT 'creating',
    host        text        NOT NULL,
    metadata    jsonb       NOT NULL DEFAULT '{}',
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snapshots_project ON snapshots (project_id, created_at DESC, id DESC);

CREATE TABLE quotas (
    project_id text   NOT NULL,
    resource   text   NOT NULL CHECK (resource IN ('volumes', 'gigabytes', 'snapshots')),
    hard_limit bigint NOT NULL CHECK (hard_limit >= -1),
    PRIMARY KEY (project_id, resource)
);
