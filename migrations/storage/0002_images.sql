-- Storage hosts as their agents report them, and Glance images: core
-- attributes as columns, free-form string properties as JSON, tags as an
-- array, members of shared images in their own table.

CREATE TABLE storage_hosts (
    host        text        PRIMARY KEY,
    total_bytes bigint      NOT NULL,
    free_bytes  bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE images (
    id               text        PRIMARY KEY,
    name             text,
    owner            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'saving', 'active', 'killed', 'deactivated')),
    visibility       text        NOT NULL DEFAULT 'shared'
        CHECK (visibility IN ('public', 'private', 'shared', 'community')),
    protected        boolean     NOT NULL DEFAULT false,
    os_hidden        boolean     NOT NULL DEFAULT false,
    disk_format      text,
    container_format text,
    min_disk         integer     NOT NULL DEFAULT 0,
    min_ram          integer     NOT NULL DEFAULT 0,
    size             bigint,
    virtual_size     bigint,
    checksum         text,
    os_hash_algo     text,
    os_hash_value    text,
    -- The storage host holding the data, once there is some.
    host             text,
    properties       jsonb       NOT NULL DEFAULT '{}',
    tags             text[]      NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_owner ON images (owner);
CREATE INDEX images_created ON images (created_at DESC, id DESC);

CREATE TABLE image_members (
    image_id   text        NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    member     text        NOT NULL,
    status     text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (image_id, member)
);
