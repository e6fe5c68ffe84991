-- Keystone v3's model: domains own projects, users and groups; roles are
-- granted to users or groups on projects or domains; the catalog lists
-- services and their endpoints per region.

CREATE TABLE domains (
    id          text        PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    description text        NOT NULL DEFAULT '',
    enabled     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id          text        PRIMARY KEY,
    domain_id   text        NOT NULL REFERENCES domains (id),
    parent_id   text        REFERENCES projects (id),
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    enabled     boolean     NOT NULL DEFAULT true,
    tags        text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (domain_id, name)
);

CREATE TABLE users (
    id                  text        PRIMARY KEY,
    domain_id           text        NOT NULL REFERENCES domains (id),
    name                text        NOT NULL,
    enabled             boolean     NOT NULL DEFAULT true,
    password_hash       text,
    password_changed_at timestamptz,
    default_project_id  text,
    email               text,
    description         text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (domain_id, name)
);

CREATE TABLE groups (
    id          text PRIMARY KEY,
    domain_id   text NOT NULL REFERENCES domains (id),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    UNIQUE (domain_id, name)
);

CREATE TABLE group_members (
    group_id text NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE roles (
    id          text PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT ''
);

-- actor: a user or a group; target: a project or a domain.
CREATE TABLE role_assignments (
    actor_type  text NOT NULL CHECK (actor_type IN ('user', 'group')),
    actor_id    text NOT NULL,
    target_type text NOT NULL CHECK (target_type IN ('project', 'domain')),
    target_id   text NOT NULL,
    role_id     text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    inherited   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (actor_type, actor_id, target_type, target_id, role_id, inherited)
);
CREATE INDEX role_assignments_target ON role_assignments (target_type, target_id);

CREATE TABLE application_credentials (
    id           text        PRIMARY KEY,
    user_id      text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id   text        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    secret_hash  text        NOT NULL,
    expires_at   timestamptz,
    unrestricted boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);

CREATE TABLE application_credential_roles (
    application_credential_id text NOT NULL REFERENCES application_credentials (id) ON DELETE CASCADE,
    role_id                   text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (application_credential_id, role_id)
);

CREATE TABLE regions (
    id               text PRIMARY KEY,
    description      text NOT NULL DEFAULT '',
    parent_region_id text REFERENCES regions (id)
);

CREATE TABLE services (
    id          text    PRIMARY KEY,
    type        text    NOT NULL,
    name        text    NOT NULL DEFAULT '',
    description text    NOT NULL DEFAULT '',
    enabled     boolean NOT NULL DEFAULT true
);

CREATE TABLE endpoints (
    id         text    PRIMARY KEY,
    service_id text    NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    interface  text    NOT NULL CHECK (interface IN ('public', 'internal', 'admin')),
    url        text    NOT NULL,
    region_id  text    REFERENCES regions (id),
    enabled    boolean NOT NULL DEFAULT true
);

-- Token signing keys (Ed25519). The newest unretired key signs; every key
-- that may still have live tokens stays published in the JWKS.
CREATE TABLE signing_keys (
    kid         text        PRIMARY KEY,
    private_der bytea       NOT NULL,
    public_key  bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

-- Revocations, as Keystone's OS-REVOKE events: a token matches when every
-- non-null field matches and it was issued at or before issued_before.
CREATE TABLE revocation_events (
    id            bigserial   PRIMARY KEY,
    audit_id      text,
    user_id       text,
    project_id    text,
    domain_id     text,
    issued_before timestamptz NOT NULL,
    revoked_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX revocation_events_revoked_at ON revocation_events (revoked_at);

-- Failed password logins per user, to throttle guessing.
CREATE TABLE login_failures (
    user_id         text        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures        integer     NOT NULL,
    last_failure_at timestamptz NOT NULL
);
