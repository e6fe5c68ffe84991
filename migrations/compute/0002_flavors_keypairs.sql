-- Flavors (Nova's instance types): sizes servers are made with. `id` is the
-- API's flavor id (any string, a UUID when the creator gave none).
CREATE TABLE flavors (
    id          text        PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    vcpus       integer     NOT NULL CHECK (vcpus > 0),
    ram_mb      integer     NOT NULL CHECK (ram_mb > 0),
    disk_gb     integer     NOT NULL CHECK (disk_gb >= 0),
    ephemeral_gb integer    NOT NULL DEFAULT 0 CHECK (ephemeral_gb >= 0),
    swap_mb     integer     NOT NULL DEFAULT 0 CHECK (swap_mb >= 0),
    rxtx_factor double precision NOT NULL DEFAULT 1.0,
    is_public   boolean     NOT NULL DEFAULT true,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Listing order and paging marker, as Nova's internal id.
    seq         bigserial   NOT NULL UNIQUE
);

CREATE TABLE flavor_extra_specs (
    flavor_id text NOT NULL REFERENCES flavors (id) ON DELETE CASCADE,
    key       text NOT NULL,
    value     text NOT NULL,
    PRIMARY KEY (flavor_id, key)
);

-- Projects that may use a private flavor.
CREATE TABLE flavor_projects (
    flavor_id  text NOT NULL REFERENCES flavors (id) ON DELETE CASCADE,
    project_id text NOT NULL,
    PRIMARY KEY (flavor_id, project_id)
);

-- Key pairs belong to users, not projects, as in Nova.
CREATE TABLE keypairs (
    id          bigserial   PRIMARY KEY,
    user_id     text        NOT NULL,
    name        text        NOT NULL,
    key_type    text        NOT NULL DEFAULT 'ssh',
    public_key  text        NOT NULL,
    fingerprint text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);
